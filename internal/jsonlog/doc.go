// Package jsonlog makes every line argus writes to stderr a JSON log record under
// --log-format json: a [Writer] stands in for stderr and turns each plain line ("argus: error:
// …", "argus: warning: …", a progress line) into a record of the same [slog.Logger] the rest of
// argus logs with, so that a log collector never sees a line it cannot parse. Writers that know
// they write records (the configuration's diagnostics) call [Writer.Record] instead.
//
// It is not responsible for choosing the format (the command line does) or for what is logged.
package jsonlog
