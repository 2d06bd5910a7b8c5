// Command gosample links the packages whose presence exit139-guard reads from pclntab:
// the net resolver, os/user, crypto/x509 system roots and time zone loading.
package main

import (
	"crypto/x509"
	"example.com/greeting"
	"fmt"
	"net"
	"os"
	"os/user"
	"time"
)

func main() {
	fmt.Println(greeting.Hello)
	if len(os.Args) > 1 {
		addrs, err := net.LookupHost(os.Args[1])
		fmt.Println(addrs, err)
	}
	u, err := user.Current()
	fmt.Println(u, err)
	pool, err := x509.SystemCertPool()
	fmt.Println(pool != nil, err)
	loc, err := time.LoadLocation("Europe/Paris")
	fmt.Println(loc, err)
}
