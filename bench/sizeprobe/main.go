// Command sizeprobe is argus with the CCF plugin host (go-plugin, gRPC, protobuf) and the OCI
// client (oras-go) linked in, as they will be once commands use them: bench/run.sh builds it to
// report what those dependencies add to the binary before the commands that call them land.
// It runs argus unchanged; the references below only keep the linker from dropping the code.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compliance-framework/argus/cmd"
	"github.com/compliance-framework/argus/internal/ccfplugin/host"
	"github.com/compliance-framework/argus/internal/oci"
)

// linked holds the entry points commands will call; a variable the linker cannot prove unused.
var linked = []any{(*host.Host).Run, (*oci.Client).Pull, (*oci.Client).Resolve, oci.ParseReference}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--linked" {
		fmt.Println(len(linked))
		return
	}
	os.Exit(cmd.Main(context.Background(), os.Args[1:], cmd.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
