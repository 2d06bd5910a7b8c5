//go:build cgo

// A cgo file makes the binary link against the builder's libc when CGO_ENABLED=1. (A comment
// right above `import "C"` would be compiled as C, hence the blank line.)

package main

import "C"
