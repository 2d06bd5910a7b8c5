// hello: a program that needs nothing from the image but to be started.
package main

import "fmt"

func main() {
	fmt.Println("hello from a scenario image")
}
