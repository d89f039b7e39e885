package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CompletionCmd is `argus completion bash|zsh|fish`: it prints a script that makes the shell ask
// argus itself for completions. argus answers when it runs with COMP_LINE set (kongplete's
// protocol, handled in Main before parsing), so the completions always match the binary's own
// commands, flags and enum values.
type CompletionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"Shell to print the completion script for: bash, zsh or fish."`
}

// Help is shown under the command's usage line.
func (c *CompletionCmd) Help() string {
	return `Load it in the current shell, or install it for every new one:
  bash:  source <(argus completion bash)     or  argus completion bash > /etc/bash_completion.d/argus
  zsh:   source <(argus completion zsh)      or  add that line to ~/.zshrc
  fish:  argus completion fish | source      or  argus completion fish > ~/.config/fish/completions/argus.fish
The script runs this argus binary by its absolute path: print it again after moving argus.`
}

func (c *CompletionCmd) Run(a *app) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find argus's own path for the completion script: %w", err)
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return fmt.Errorf("find argus's own path for the completion script: %w", err)
	}
	script, err := completionScript(c.Shell, "argus", exe)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(a.Stdout, script)
	return err
}

// completionScript is the script that registers bin as the completer of the command name in
// shell. The scripts are those kongplete's installer writes, with the binary path quoted.
func completionScript(shell, name, bin string) (string, error) {
	q := shellQuote(bin)
	switch shell {
	case "bash":
		return fmt.Sprintf("# argus completion for bash: source <(argus completion bash)\ncomplete -o default -C %s %s\n", q, name), nil
	case "zsh":
		return fmt.Sprintf("# argus completion for zsh: source <(argus completion zsh)\n(( $+functions[compdef] )) || { autoload -U +X compinit && compinit -u }\nautoload -U +X bashcompinit && bashcompinit\ncomplete -o default -C %s %s\n", q, name), nil
	case "fish":
		return fmt.Sprintf(`# argus completion for fish: argus completion fish | source
function __complete_%[1]s
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    %[2]s
end
complete -f -c %[1]s -a "(__complete_%[1]s)"
`, name, q), nil
	}
	return "", fmt.Errorf("no completion for shell %q: use bash, zsh or fish", shell)
}

// shellQuote quotes s for bash, zsh and fish alike: single quotes, with a single quote itself
// written as '\” (which all three read as an escaped quote between two quoted strings).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
