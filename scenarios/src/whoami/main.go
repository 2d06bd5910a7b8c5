// whoami: looks the current user up with os/user (pure Go reads /etc/passwd).
package main

import (
	"fmt"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Println("no user:", err)
		return
	}
	fmt.Println("user:", u.Username, u.Uid)
}
