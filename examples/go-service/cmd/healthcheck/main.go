// The demo health check: exits 0 when the service answers on localhost. Built with
// CGO_ENABLED=0, it is a static binary that runs on any base.
package main

import (
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get("http://127.0.0.1:8080/upstream")
	if err != nil || resp.StatusCode >= 500 {
		os.Exit(1)
	}
}
