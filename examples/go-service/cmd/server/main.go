// The demo service: an HTTP server that resolves its upstream by name and logs the user it runs
// as. Importing net and os/user is what makes a default (cgo) build link against glibc.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os/user"
)

func main() {
	if u, err := user.Current(); err == nil {
		log.Printf("running as %s", u.Username)
	}
	http.HandleFunc("/upstream", func(w http.ResponseWriter, r *http.Request) {
		addrs, err := net.LookupHost("upstream.internal")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, addrs)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
