// Command kafkawasm is a Kafka producer with WebAssembly plugins, driven by
// a producer.toml: it produces files (produce), serves a Confluent REST
// Proxy v2 compatible HTTP ingest API (serve), checks configs (validate),
// tests and benchmarks plugins (plugin) and runs a development broker
// (broker). Run `kafkawasm --help` for the commands.
//
//	go install github.com/kafkawasm/kafkawasm/cmd/kafkawasm@latest
package main

import (
	"os"

	"github.com/kafkawasm/kafkawasm/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.OSEnv()))
}
