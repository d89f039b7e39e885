package cmd

import (
	"errors"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/flock"
)

// hint says what to do about an error, when argus knows.
func hint(err error) string {
	var held *flock.HeldError
	var unknownJob *assess.UnknownJobError
	var provider *assess.ProviderError
	switch {
	case errors.As(err, &held):
		return "another argus run on the same state is still going; wait for it, raise --lock-timeout, or use a different --state-dir"
	case errors.As(err, &unknownJob):
		return `run "argus plan --all" to list the jobs`
	case errors.As(err, &provider):
		return `run "argus init" to install and verify the providers the configuration names`
	}
	return ""
}
