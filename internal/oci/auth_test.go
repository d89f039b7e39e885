package oci

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/compliance-framework/argus/internal/ocitest"
)

func TestAuth(t *testing.T) {
	reg := ocitest.Start(t, &ocitest.Options{Auth: true})
	ocitest.Push(t, reg.Repository(t, "private/plugin"), "v1", ocitest.Policy(t, "v1", map[string]string{"a.rego": "package compliance_framework.a\n"}))
	ref := mustRef(t, reg.Ref("private/plugin", "v1"))
	withConfig := func(c *Client, dir string) {
		c.Getenv = func(k string) string { return map[string]string{"DOCKER_CONFIG": dir}[k] }
	}

	t.Run("anonymous is refused with a hint", func(t *testing.T) {
		c, _ := newClient(t)
		_, err := c.Resolve(context.Background(), ref, nil)
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("Resolve err = %v, want ErrUnauthorized", err)
		}
		for _, want := range []string{ref.String() + ": ", "401", `docker login ` + reg.Host, "credential helper"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		c, _ := newClient(t)
		withConfig(c, ocitest.WriteDockerConfig(t, map[string]any{"auths": map[string]any{
			reg.Host: map[string]string{"auth": "YXJndXM6d3Jvbmc="}, // argus:wrong
		}}))
		if _, err := c.Resolve(context.Background(), ref, nil); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("Resolve err = %v, want ErrUnauthorized", err)
		}
	})

	t.Run("docker config auths via DOCKER_CONFIG", func(t *testing.T) {
		c, _ := newClient(t)
		withConfig(c, reg.DockerConfig(t))
		res, err := c.Resolve(context.Background(), ref, nil)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		if _, err := c.Pull(context.Background(), res.PullRequest(KindPolicy, "")); err != nil {
			t.Fatalf("Pull: %v", err)
		}
	})

	t.Run("docker config in HOME", func(t *testing.T) {
		c, _ := newClient(t)
		home := t.TempDir()
		if err := os.Mkdir(filepath.Join(home, ".docker"), 0o700); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(filepath.Join(reg.DockerConfig(t), "config.json"))
		if err := os.WriteFile(filepath.Join(home, ".docker", "config.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c.Getenv = func(k string) string { return map[string]string{"HOME": home}[k] }
		if _, err := c.Resolve(context.Background(), ref, nil); err != nil {
			t.Fatalf("Resolve: %v", err)
		}
	})

	t.Run("credential helper", func(t *testing.T) {
		bin := t.TempDir()
		helper := "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = \"" + reg.Host + "\" ] || exit 1\n" +
			"printf '{\"ServerURL\":\"%s\",\"Username\":\"" + reg.User + "\",\"Secret\":\"" + reg.Password + "\"}' \"$server\"\n"
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-argustest"), []byte(helper), 0o755); err != nil { //nolint:gosec // G306: the helper must be executable
			t.Fatal(err)
		}
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		c, _ := newClient(t)
		withConfig(c, ocitest.WriteDockerConfig(t, map[string]any{"credHelpers": map[string]string{reg.Host: "argustest"}}))
		if _, err := c.Resolve(context.Background(), ref, nil); err != nil {
			t.Fatalf("Resolve with a credential helper: %v", err)
		}
	})

	t.Run("missing credential helper", func(t *testing.T) {
		c, _ := newClient(t)
		withConfig(c, ocitest.WriteDockerConfig(t, map[string]any{"credHelpers": map[string]string{reg.Host: "argus-missing"}}))
		_, err := c.Resolve(context.Background(), ref, nil)
		if err == nil || !strings.Contains(err.Error(), "credential helper") || !strings.HasPrefix(err.Error(), ref.String()+": ") {
			t.Fatalf("Resolve err = %v, want one naming the credential helper", err)
		}
	})

	t.Run("broken docker config", func(t *testing.T) {
		c, _ := newClient(t)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		withConfig(c, dir)
		_, err := c.Resolve(context.Background(), ref, nil)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "config.json")) {
			t.Fatalf("Resolve err = %v, want one naming the config file", err)
		}
	})
}

func TestNotFound(t *testing.T) {
	reg := ocitest.Start(t, nil)
	host := HostPlatform()
	hp := ocispec.Platform{OS: host.OS, Architecture: host.Architecture}
	for _, tag := range []string{"v1.0.0", "v1.1.0"} {
		ocitest.Push(t, reg.Repository(t, "cf/plugin"), tag, ocitest.Plugin(t, tag, 1, true, []byte("x"), hp))
	}
	tests := []struct {
		ref  string
		want []string
	}{
		{reg.Ref("cf/plugin", "v9.9.9"), []string{`tag "v9.9.9" was not found`, "v1.0.0, v1.1.0", "check the tag"}},
		{reg.Ref("cf/nothing", "v1"), []string{"repository cf/nothing was not found at " + reg.Host}},
		{reg.Host + "/cf/plugin@sha256:" + hexA, []string{"digest sha256:" + hexA + " was not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			c, _ := newClient(t)
			_, err := c.Resolve(context.Background(), mustRef(t, tt.ref), &host)
			if !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), tt.ref+": ") {
				t.Fatalf("Resolve err = %v, want ErrNotFound naming %s", err, tt.ref)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("pull of a manifest the repository lacks", func(t *testing.T) {
		c, _ := newClient(t)
		_, err := c.Pull(context.Background(), PullRequest{Ref: mustRef(t, reg.Ref("cf/plugin", "v1.0.0")), Manifest: "sha256:" + hexA, Kind: KindPlugin})
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Pull err = %v, want ErrNotFound", err)
		}
		assertNothingPublished(t, c)
	})
}
