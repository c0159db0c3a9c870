// Command veche is the one binary of Veche, an end-to-end verifiable voting
// platform. Run `veche --help` for the list of commands.
//
// This file only connects the process to the command line; the commands
// are wired in package internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/veche/veche/cmd/veche/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
