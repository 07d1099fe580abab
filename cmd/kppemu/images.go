package main

import (
	"crypto/sha256"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/internal/textwrap"
)

func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:  "images",
		Usage: "list the embedded guest images with a one-line description of each",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "sha256", Usage: "print each image's size and SHA-256 instead of its description"},
		},
		Action: func(c *cli.Context) error {
			w := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
			if c.Bool("sha256") {
				fmt.Fprintln(w, "NAME\tKIND\tSIZE\tSHA-256")
			} else {
				fmt.Fprintln(w, "NAME\tKIND\tDESCRIPTION")
			}
			list := images.List()
			// The description column wraps so that a line fits in
			// imagesWidth columns whatever the longest name.
			nameW, kindW := len("NAME"), len("KIND")
			for _, img := range list {
				nameW, kindW = max(nameW, len(img.Name)), max(kindW, len(img.Kind))
			}
			descW := max(imagesWidth-nameW-kindW-4, 30)
			for _, img := range list {
				if c.Bool("sha256") {
					fmt.Fprintf(w, "%s\t%s\t%d\t%x\n", img.Name, img.Kind, len(img.Bytes), sha256.Sum256(img.Bytes))
					continue
				}
				for i, part := range textwrap.Words(images.Describe(img), descW) {
					if i == 0 {
						fmt.Fprintf(w, "%s\t%s\t%s\n", img.Name, img.Kind, part)
					} else {
						fmt.Fprintf(w, "\t\t%s\n", part)
					}
				}
			}
			if err := w.Flush(); err != nil {
				return &exitStatus{exitHostError, "images: " + err.Error()}
			}
			return nil
		},
	}
}

// imagesWidth is the width `kppemu images` keeps its lines within.
const imagesWidth = 100
