// Command loopserver is bench/run.sh's provider registry: it writes a signed static provider
// index (DESIGN.md "Provider index") and serves it on loopback, counting requests, so the
// benchmark can show that a warm `argus init` makes none.
//
//	loopserver gen -dir D -host H -exe FILE [-n 20] [-pad BYTES]   # prints the minisign public key
//	loopserver serve -dir D -url-file F                          # GET /_count: requests so far
package main

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"aead.dev/minisign"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loopserver gen|serve …")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "loopserver: %v\n", err)
		os.Exit(1)
	}
}

// gen publishes n providers p01…pNN, version 1.0.0, for this platform. Each archive holds the
// executable as argus-provider-<name> plus, with -pad, a file of that many random bytes (stored,
// not deflated: random data does not compress, and the archive is then about pad bytes long).
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	dir := fs.String("dir", "", "output directory")
	host := fs.String("host", "bench.test", "source host")
	exe := fs.String("exe", "", "provider executable")
	n := fs.Int("n", 20, "providers")
	pad := fs.Int64("pad", 0, "random bytes added to each archive")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *exe == "" {
		return errors.New("gen: -dir and -exe are required")
	}
	body, err := os.ReadFile(*exe)
	if err != nil {
		return err
	}
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for i := 1; i <= *n; i++ {
		name := fmt.Sprintf("p%02d", i)
		pdir := filepath.Join(*dir, *host, "bench", name)
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return err
		}
		archive := fmt.Sprintf("%s_1.0.0_%s.zip", name, platform)
		sum, err := writeZip(filepath.Join(pdir, archive), "argus-provider-"+name, body, *pad)
		if err != nil {
			return err
		}
		sums := fmt.Sprintf("%s  %s\n", sum, archive)
		sumsName := name + "_1.0.0_SHA256SUMS"
		files := map[string][]byte{
			"index.json":          []byte(`{"versions": {"1.0.0": {}}}`),
			sumsName:              []byte(sums),
			sumsName + ".minisig": minisign.Sign(priv, []byte(sums)),
		}
		vj, _ := json.Marshal(map[string]any{
			"archives": map[string]any{platform: map[string]any{"url": archive, "hashes": []string{"zh:" + sum}}},
			"shasums":  map[string]any{"url": sumsName, "signatures": []map[string]string{{"type": "minisign", "url": sumsName + ".minisig"}}},
		})
		files["1.0.0.json"] = vj
		for f, b := range files {
			if err := os.WriteFile(filepath.Join(pdir, f), b, 0o644); err != nil {
				return err
			}
		}
	}
	fmt.Println(pub.String())
	return nil
}

func writeZip(path, entry string, exe []byte, pad int64) (string, error) {
	f, err := os.Create(path) //nolint:gosec // G304: an archive in the registry directory this tool is building
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // for the early returns; the close that matters is checked below
	h := sha256.New()
	w := zip.NewWriter(io.MultiWriter(f, h))
	hdr := &zip.FileHeader{Name: entry, Method: zip.Deflate}
	hdr.SetMode(0o755)
	e, err := w.CreateHeader(hdr)
	if err == nil {
		_, err = e.Write(exe)
	}
	if err == nil && pad > 0 {
		hdr = &zip.FileHeader{Name: "data.bin", Method: zip.Store}
		hdr.SetMode(0o644)
		if e, err = w.CreateHeader(hdr); err == nil {
			_, err = io.CopyN(e, rand.Reader, pad)
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory to serve")
	urlFile := fs.String("url-file", "", "receives the base URL once listening")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var count atomic.Int64
	files := http.FileServer(http.Dir(*dir))
	mux := http.NewServeMux()
	mux.HandleFunc("/_count", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, count.Load()) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { count.Add(1); files.ServeHTTP(w, r) })
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	tmp := *urlFile + ".tmp"
	if err := os.WriteFile(tmp, []byte("http://"+ln.Addr().String()+"/"), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *urlFile); err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
