// Package greeting is a local module that gosample requires through a replace directive, so the
// build info carries `dep` and `=>` lines.
package greeting

// Hello is printed by gosample.
const Hello = "hello"
