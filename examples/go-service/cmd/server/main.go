// The demo service: a TCP service that resolves its upstream by name and logs the user it runs
// as. Importing net and os/user is what makes a default (cgo) build link against glibc.
package main

import (
	"fmt"
	"log"
	"net"
	"os/user"
)

func main() {
	if u, err := user.Current(); err == nil {
		log.Printf("running as %s", u.Username)
	}
	listener, err := net.Listen("tcp", ":8080")
	if err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := listener.Accept()
		if err != nil {
			log.Fatal(err)
		}
		addrs, err := net.LookupHost("upstream.internal")
		if err != nil {
			fmt.Fprintln(conn, "error:", err)
		} else {
			fmt.Fprintln(conn, addrs)
		}
		conn.Close()
	}
}
