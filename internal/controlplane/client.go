package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compliance-framework/argus/internal/retry"
)

// Defaults for a zero Config.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxAttempts    = 6
	DefaultBudget         = 2 * time.Minute
)

// tokenExpirySkew refreshes a token this long before it expires, as the API's own SDK does,
// so that a request never leaves with a token that expires in flight.
const tokenExpirySkew = time.Minute

// maxResponseBody bounds what is read from any answer (job specs are the largest).
const maxResponseBody = 8 << 20

// Config is what New needs to build a Client.
type Config struct {
	BaseURL string // required: the API's base URL, e.g. https://ccf.example.com (routes are under /api)

	// ClientID and ClientSecret enable agent authentication; both empty means anonymous.
	ClientID     string
	ClientSecret string

	// HTTP is the client every request goes through; nil builds one with a keep-alive transport.
	// Its Timeout should be zero: RequestTimeout bounds each attempt instead.
	HTTP   *http.Client
	Logger *slog.Logger // nil discards

	// Budget is shared by every request of the invocation; nil means NewBudget(DefaultBudget).
	Budget *retry.Budget
	// RequestTimeout bounds each attempt; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// MaxAttempts bounds the attempts of one request; DefaultMaxAttempts when zero.
	MaxAttempts int
	Backoff     retry.Backoff

	// Sleep waits between retries; nil means retry.Sleep. Tests replace it to record waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for token expiry and Retry-After dates; nil means time.Now.
	Now       func() time.Time
	UserAgent string
}

// Client talks to one control plane. It is safe for concurrent use; share one per invocation so
// that connections, the token and the retry budget are shared too.
type Client struct {
	base        *url.URL
	id, secret  string
	http        *http.Client
	log         *slog.Logger
	budget      *retry.Budget
	timeout     time.Duration
	maxAttempts int
	backoff     retry.Backoff
	sleep       func(context.Context, time.Duration) error
	now         func() time.Time
	userAgent   string

	tokenSem chan struct{} // held while fetching a token, waited for under ctx
	mu       sync.Mutex    // guards the fields below
	token    string
	tokenExp time.Time
	skew     time.Duration // server clock minus ours, from the Date header
	sawDate  bool
}

// New checks cfg and builds a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("control plane url %q is not an http(s) URL: set control_plane { url = \"https://ccf.example.com\" }", cfg.BaseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	if (cfg.ClientID == "") != (cfg.ClientSecret == "") {
		return nil, errors.New("control plane client_id and client_secret must be set together (or both left empty for anonymous access)")
	}
	c := &Client{
		base:        u,
		id:          cfg.ClientID,
		secret:      cfg.ClientSecret,
		http:        cfg.HTTP,
		log:         cfg.Logger,
		budget:      cfg.Budget,
		timeout:     cfg.RequestTimeout,
		maxAttempts: cfg.MaxAttempts,
		backoff:     cfg.Backoff,
		sleep:       cfg.Sleep,
		now:         cfg.Now,
		userAgent:   cfg.UserAgent,
		tokenSem:    make(chan struct{}, 1),
	}
	if c.http == nil {
		c.http = &http.Client{Transport: NewTransport()}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.budget == nil {
		c.budget = retry.NewBudget(DefaultBudget)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultRequestTimeout
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	if c.sleep == nil {
		c.sleep = retry.Sleep
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.userAgent == "" {
		c.userAgent = "argus"
	}
	return c, nil
}

// NewTransport is the keep-alive transport a Client builds when given no http.Client: enough
// idle connections per host for concurrent delivery, proxies from the environment.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Budget is the retry budget the client draws from.
func (c *Client) Budget() *retry.Budget { return c.budget }

// request is one logical call; do turns it into attempts.
type request struct {
	method string
	path   string
	query  url.Values
	body   []byte // nil: no body and no Content-Type
	header http.Header
	// basic sends HTTP Basic credentials instead of a bearer token (the token route itself).
	basic bool
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) url(r request) string {
	u := *c.base
	u.Path += r.path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	return u.String()
}

// do performs r with retries. It returns the answer for 2xx and 304, a *PermanentError for
// other non-retryable answers, and a *TransientError when it gives up.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	target := c.url(r)
	// One summary line per request that needed retries (each attempt is a debug record), so a
	// flaky control plane costs one warning per request, not one per attempt.
	var retried error // the last failure that was retried
	giveUp := func(attempts, status int, last error, why string, budget bool) error {
		if attempts > 1 {
			c.log.WarnContext(ctx, "control plane request failed after retries", "method", r.method, "url", target, "attempts", attempts, "why", why, "error", last)
		}
		return &TransientError{Method: r.method, URL: target, Attempts: attempts, Status: status, Err: last, Why: why, budget: budget}
	}
	if c.budget.Exhausted() {
		return nil, giveUp(0, 0, ErrBudgetExhausted, fmt.Sprintf("not tried: the control plane kept failing for the whole retry budget (%v)", c.budget.Total()), true)
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		authz := ""
		if c.id != "" && !r.basic {
			tok, err := c.accessToken(ctx)
			if err != nil {
				return nil, fmt.Errorf("get agent token: %w", err)
			}
			authz = "Bearer " + tok
		}
		started := c.now()
		resp, err := c.attempt(ctx, r, target, authz)
		if err == nil && resp.status == http.StatusUnauthorized && authz != "" && !refreshed {
			// The token may have been revoked or expired early: fetch a new one, once.
			c.log.DebugContext(ctx, "control plane rejected the agent token; refreshing it", "url", target)
			c.dropToken(strings.TrimPrefix(authz, "Bearer "))
			refreshed = true
			attempt--
			continue
		}
		var status int
		if err == nil {
			status = resp.status
			switch {
			case status/100 == 2 || status == http.StatusNotModified:
				if retried != nil {
					c.log.WarnContext(ctx, "control plane request succeeded after retries", "method", r.method, "url", target, "attempts", attempt, "last_error", retried)
				}
				return resp, nil
			case !retryable(status):
				return nil, &PermanentError{Method: r.method, URL: target, Status: status, Body: errorMessage(resp.body)}
			}
			err = &statusError{Status: status, Body: errorMessage(resp.body)}
		} else if ctx.Err() != nil {
			return nil, giveUp(attempt, 0, err, "interrupted", false)
		}
		c.budget.Charge(c.now().Sub(started))
		if attempt >= c.maxAttempts {
			return nil, giveUp(attempt, status, err, "gave up", false)
		}
		wait := c.backoff.Wait(attempt)
		if resp != nil {
			if ra, ok := retryAfter(resp.header.Get("Retry-After"), c.now()); ok {
				// The server said when; waiting less would only earn another refusal.
				wait = ra
			}
		}
		if !c.budget.Reserve(wait) {
			return nil, giveUp(attempt, status, err, fmt.Sprintf("retry budget of %v exhausted (next wait %v)", c.budget.Total(), wait.Round(time.Millisecond)), true)
		}
		c.log.DebugContext(ctx, "control plane request failed; retrying", "method", r.method, "url", target, "attempt", attempt, "wait", wait.Round(time.Millisecond), "error", err)
		retried = err
		if err := c.sleep(ctx, wait); err != nil {
			return nil, giveUp(attempt, status, err, "interrupted", false)
		}
	}
}

// retryable reports whether an answer is worth another attempt.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// attempt is one HTTP exchange, bounded by the per-request timeout. The body is read (bounded)
// and closed so the connection goes back to the pool.
func (c *Client) attempt(ctx context.Context, r request, target, authz string) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.body != nil {
		// Exactly this: the API's binder answers anything else, even with "; charset=utf-8",
		// with "Unsupported Media Type".
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if r.basic {
		req.SetBasicAuth(c.id, c.secret)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Drain a little of whatever is left so the connection can be reused, then close.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if len(data) > maxResponseBody {
		return nil, fmt.Errorf("read answer: larger than %d bytes", maxResponseBody)
	}
	c.noteDate(resp.Header.Get("Date"))
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP-date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// noteDate records how far the server's clock is from ours, so evidence times can be kept out
// of the server's future even when this host's clock runs ahead.
func (c *Client) noteDate(v string) {
	t, err := http.ParseTime(v)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew = t.Sub(c.now())
	c.sawDate = true
}

// serverNow is the server's idea of now, as best known, rounded down to the Date header's
// one-second resolution so that it never lies in the server's future.
func (c *Client) serverNow() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.sawDate {
		return now
	}
	return now.Add(c.skew - time.Second)
}

// accessToken returns a cached token or fetches one. Concurrent callers share one fetch.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	if tok := c.cachedToken(); tok != "" {
		return tok, nil
	}
	select {
	case c.tokenSem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.tokenSem }()
	if tok := c.cachedToken(); tok != "" { // fetched while we waited
		return tok, nil
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/api/auth/agent/token", basic: true})
	if err != nil {
		return "", err
	}
	var t struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(resp.body, &t); err != nil {
		return "", fmt.Errorf("decode agent token answer: %w", err)
	}
	if strings.TrimSpace(t.AccessToken) == "" {
		return "", errors.New("agent token answer has no access_token")
	}
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
		return "", fmt.Errorf("agent token answer has token_type %q, want Bearer", t.TokenType)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = t.AccessToken
	c.tokenExp = c.now().Add(time.Duration(t.ExpiresIn) * time.Second)
	return c.token, nil
}

func (c *Client) cachedToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Add(tokenExpirySkew).Before(c.tokenExp) {
		return c.token
	}
	return ""
}

// dropToken forgets tok, unless another request has already replaced it.
func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}
