// The demo health check: exits 0 when the service accepts a connection on localhost. Built
// with CGO_ENABLED=0, it is a static binary that runs on any base.
package main

import (
	"net"
	"os"
)

func main() {
	conn, err := net.Dial("tcp", "127.0.0.1:8080")
	if err != nil {
		os.Exit(1)
	}
	conn.Close()
}
