//go:build cgo

package main

// A cgo file makes the binary link against the builder's libc when CGO_ENABLED=1.
import "C"
