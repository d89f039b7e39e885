package cptest

import (
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
			resp, err := http.Post(args[0], args[1], strings.NewReader(args[2]))
			ts.Check(err)
			resp.Body.Close()
			ts.Logf("status %d", resp.StatusCode)
			if ok := resp.StatusCode/100 == 2; ok == neg {
				ts.Fatalf("post %s: status %d", args[0], resp.StatusCode)
			}
		},
	})
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Setup: Setup, Cmds: cmds})
}
