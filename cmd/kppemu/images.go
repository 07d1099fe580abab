package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/images"
)

func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:  "images",
		Usage: "list the embedded guest images with their sizes and SHA-256",
		Action: func(c *cli.Context) error {
			w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tKIND\tSIZE\tSHA-256")
			for _, img := range images.List() {
				fmt.Fprintf(w, "%s\t%s\t%d\t%x\n", img.Name, img.Kind, len(img.Bytes), sha256.Sum256(img.Bytes))
			}
			return w.Flush()
		},
	}
}
