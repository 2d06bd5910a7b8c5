// roots: verifies TLS peers against the system CA pool; it only loads the pool and reports.
package main

import (
	"crypto/x509"
	"fmt"
)

func main() {
	pool, err := x509.SystemCertPool()
	if err != nil {
		fmt.Println("no system roots:", err)
		return
	}
	fmt.Println("system roots loaded:", !pool.Equal(x509.NewCertPool()))
}
