// netcgo: links the net package, so with cgo on it gets the cgo DNS resolver and libc.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "lookup" {
		addrs, err := net.LookupHost(os.Args[2])
		fmt.Println(addrs, err)
	}
	fmt.Println("started;", net.ParseIP("192.0.2.1"))
}
