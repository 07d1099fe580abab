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
		Usage: "list the embedded guest images with a one-line description of each",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "sha256", Usage: "print each image's size and SHA-256 instead of its description"},
		},
		Action: func(c *cli.Context) error {
			w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
			if c.Bool("sha256") {
				fmt.Fprintln(w, "NAME\tKIND\tSIZE\tSHA-256")
			} else {
				fmt.Fprintln(w, "NAME\tKIND\tDESCRIPTION")
			}
			for _, img := range images.List() {
				if c.Bool("sha256") {
					fmt.Fprintf(w, "%s\t%s\t%d\t%x\n", img.Name, img.Kind, len(img.Bytes), sha256.Sum256(img.Bytes))
				} else {
					fmt.Fprintf(w, "%s\t%s\t%s\n", img.Name, img.Kind, images.Describe(img))
				}
			}
			if err := w.Flush(); err != nil {
				return &exitStatus{exitHostError, "images: " + err.Error()}
			}
			return nil
		},
	}
}
