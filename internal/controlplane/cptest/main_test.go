package cptest

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The standalone process: serve writes its URL, the other subcommands drive it through the
// admin routes.
func TestServeAndRemoteCommands(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "cp.url")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", urlFile, Options{}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(urlFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("url file never written")
		}
		time.Sleep(5 * time.Millisecond) // polling a file another goroutine writes; no channel crosses a process
	}
	fakecp := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := Main(append([]string{args[0], "-url-file", urlFile}, args[1:]...), &out, &errb)
		return out.String() + errb.String(), code
	}
	if out, code := fakecp("set", "fail500=2", "path=/api/evidence"); code != 0 {
		t.Fatalf("set: %d %s", code, out)
	}
	url, _ := os.ReadFile(urlFile)
	resp, err := httpPost(t.Context(), string(url)+"/api/evidence", "application/json", `{}`)
	if err != nil || resp != 500 {
		t.Fatalf("evidence after fail500 = %d, %v; want 500", resp, err)
	}
	if out, code := fakecp("expect", "injected=1", "evidence=0"); code != 0 {
		t.Fatalf("expect: %s", out)
	}
	if out, code := fakecp("expect", "injected=5"); code == 0 || !strings.Contains(out, "injected: got 1, want 5") {
		t.Fatalf("failing expect = %d %q", code, out)
	}
	out, code := fakecp("dump")
	if code != 0 || !strings.Contains(out, `"what": "500"`) {
		t.Fatalf("dump = %d %s", code, out)
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, []byte(`{"plugins":{"j":{"schedule":"every 5m"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := fakecp("overlay", overlay); code != 0 {
		t.Fatalf("overlay: %s", out)
	}
	if err := os.WriteFile(overlay, []byte(`[1]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := fakecp("overlay", overlay); code == 0 || !strings.Contains(out, "not a JSON object") {
		t.Fatalf("bad overlay = %d %q", code, out)
	}
	if out, code := fakecp("report"); code == 0 || !strings.Contains(out, "no config report") {
		t.Fatalf("report with none = %d %q", code, out)
	}
	if out, code := fakecp("reset"); code != 0 {
		t.Fatalf("reset: %s", out)
	}
	if out, code := fakecp("expect", "requests=0", "injected=0"); code != 0 {
		t.Fatalf("after reset: %s", out)
	}
	if out, code := fakecp("set", "bogus=1"); code == 0 || !strings.Contains(out, "unknown switch") {
		t.Fatalf("bad switch = %d %q", code, out)
	}
}

func TestParseSwitches(t *testing.T) {
	sw, err := ParseSwitches(Switches{}, []string{"down=true", "delay=1.5s", "fail500=2", "status429=3", "retry_after=9", "unauthorized401=1", "path=/api/evidence", "no_remote_config=true", "instance_cap=2"})
	if err != nil {
		t.Fatal(err)
	}
	want := Switches{Down: true, Delay: Duration(1500 * time.Millisecond), Fail500: 2, Status429: 3, RetryAfter: "9", Unauthorized401: 1, Path: "/api/evidence", NoRemoteConfig: true, InstanceCap: 2}
	if sw != want {
		t.Fatalf("got %+v, want %+v", sw, want)
	}
	if sw, _ = ParseSwitches(sw, []string{"off"}); sw != (Switches{}) {
		t.Fatalf("off left %+v", sw)
	}
}

func httpPost(ctx context.Context, url, ct, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close() // only the status is asked for
	return resp.StatusCode, nil
}
