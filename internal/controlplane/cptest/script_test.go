package cptest

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The in-process testscript wiring the integrator uses: Setup and Cmds.
func TestScript(t *testing.T) {
	cmds := Cmds()
	// post URL CONTENT-TYPE BODY: a stand-in for argus in these scripts.
	maps.Copy(cmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"post": func(ts *testscript.TestScript, neg bool, args []string) {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, args[0], strings.NewReader(args[2]))
			ts.Check(err)
			req.Header.Set("Content-Type", args[1])
			resp, err := http.DefaultClient.Do(req)
			ts.Check(err)
			_ = resp.Body.Close() // only the status is checked
			ts.Logf("status %d", resp.StatusCode)
			if ok := resp.StatusCode/100 == 2; ok == neg {
				ts.Fatalf("post %s: status %d", args[0], resp.StatusCode)
			}
		},
	})
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Setup: Setup, Cmds: cmds})
}
