package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/emu/scenario"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "work with the JSON reports of kppemu run",
		Description: "kppemu report merge REPORT.json ... combines the --out reports of a campaign's\n" +
			"shards (kppemu run --shard I/N) into the report of the whole campaign.",
		Subcommands: []*cli.Command{{
			Name:      "merge",
			Usage:     "combine the reports of a campaign's shards into one",
			ArgsUsage: "REPORT.json ...",
			Description: "Reads the JSON reports that `kppemu run --shard I/N --out FILE` wrote on each\n" +
				"machine and prints the report a single `kppemu run` of the whole campaign would\n" +
				"have printed: the same table, campaign tables and totals (or, with --json, the\n" +
				"same JSON). Exit status: 0 when every run passed, 1 when one failed or a shard is\n" +
				"missing, interrupted or from another campaign, 2 when a file cannot be read.",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "json", Usage: "print the merged report as JSON"},
				&cli.StringFlag{Name: "out", Usage: "also write the merged report as JSON to `FILE`"},
				&cli.BoolFlag{Name: "all-runs", Usage: "print one row per run, not per scenario"},
				&cli.BoolFlag{Name: "wide", Usage: wideUsage},
			},
			Action: reportMergeAction,
		}},
	}
}

func reportMergeAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return &exitStatus{exitHostError, "report merge: name the shards' JSON reports"}
	}
	var reps []*scenario.Report
	for _, name := range c.Args().Slice() {
		f, err := os.Open(name)
		if err != nil {
			return &exitStatus{exitHostError, "report merge: " + err.Error()}
		}
		rep, err := scenario.ReadJSON(f)
		f.Close()
		if err != nil {
			return &exitStatus{exitHostError, fmt.Sprintf("report merge: %s: not a kppemu run report: %v", name, err)}
		}
		reps = append(reps, rep)
	}
	merged, mergeErr := scenario.Merge(reps)
	if err := writeReport(merged, stdout, c.String("out"), c.Bool("json"), reportOptions(c)); err != nil {
		return err
	}
	if mergeErr != nil {
		return &exitStatus{exitScenarioFailed, "report merge: " + mergeErr.Error()}
	}
	if !merged.Passed {
		return &exitStatus{exitScenarioFailed, ""}
	}
	return nil
}
