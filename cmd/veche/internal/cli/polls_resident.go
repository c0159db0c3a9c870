package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// residentOptions are the flags of the residents' polls commands, which
// go through the Active Citizen API as the app does.
type residentOptions struct {
	api, user, passwordFile string
}

func (o *residentOptions) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.api, "api", "", "the API's base URL (env "+voterAPIEnv+"; default http://127.0.0.1:8080)")
	cmd.Flags().StringVar(&o.user, "user", "", "your identifier (env "+voterUserEnv+")")
	cmd.Flags().StringVar(&o.passwordFile, "password-file", "", "file whose first line is the account password (env "+voterPasswordEnv+")")
}

// apiSession is a logged-in session with the API.
type apiSession struct {
	base, token string
	hc          *http.Client
}

// residentLogin logs in to the API with the account password.
func residentLogin(ctx context.Context, o *residentOptions) (*apiSession, error) {
	base := o.api
	if base == "" {
		base = os.Getenv(voterAPIEnv)
	}
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	user := o.user
	if user == "" {
		user = os.Getenv(voterUserEnv)
	}
	if user == "" {
		return nil, errors.New("--user IDENTIFIER is required (or " + voterUserEnv + ")")
	}
	pw, err := accountPassword(o.passwordFile, user, false)
	if err != nil {
		return nil, err
	}
	s := &apiSession{base: strings.TrimSuffix(base, "/") + "/api/v1", hc: &http.Client{Timeout: 30 * time.Second}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.call(ctx, "POST", "/sessions", map[string]string{"identifier": user, "password": pw}, http.StatusCreated, &tok); err != nil {
		return nil, fmt.Errorf("logging in: %w", err)
	}
	s.token = tok.AccessToken
	return s, nil
}

// logout ends the session (errors are ignored: the token expires anyway).
func (s *apiSession) logout(ctx context.Context) {
	s.call(ctx, "DELETE", "/sessions", nil, http.StatusNoContent, nil)
}

// call sends a JSON request and decodes the answer with status want; a
// problem answer becomes an error with its title and detail.
func (s *apiSession) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		var p struct{ Title, Detail string }
		if json.Unmarshal(raw, &p) == nil && p.Title != "" {
			if p.Detail != "" {
				return fmt.Errorf("%s (%d): %s", p.Title, resp.StatusCode, p.Detail)
			}
			return fmt.Errorf("%s (%d)", p.Title, resp.StatusCode)
		}
		return fmt.Errorf("the API answered %s", resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("the API's answer: %w", err)
		}
	}
	return nil
}

// subjectPath is the API path of a subject "kind/id".
func subjectPath(subject string) (string, error) {
	kind, id, ok := strings.Cut(subject, "/")
	if !ok || kind == "" || id == "" || strings.ContainsAny(id, "/?#%") {
		return "", fmt.Errorf("subject %q: want poll/ID, project/ID or activity/ID", subject)
	}
	return "/subjects/" + kind + "/" + id, nil
}

func (a *app) pollsCommentCommand() *cobra.Command {
	o := &residentOptions{}
	cmd := &cobra.Command{
		Use:   "comment SUBJECT TEXT --user IDENTIFIER",
		Short: "Comment on a poll or a city project, through the API",
		Long: `Log in to the API (--api, --user, the password from --password-file,
VECHE_VOTER_PASSWORD or the terminal) and comment on SUBJECT (poll/ID or
project/ID). The comment is stored under a pseudonym of yours; its count goes
on the board with the next batch, and "polls mine" gives you its receipt.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := subjectPath(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := residentLogin(ctx, o)
			if err != nil {
				return err
			}
			defer s.logout(ctx)
			var out struct{ ID uint64 }
			if err := s.call(ctx, "POST", path+"/comments", map[string]string{"text": args[1]}, http.StatusCreated, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "comment %d on %s\n", out.ID, args[0])
			return nil
		},
	}
	o.flags(cmd)
	return cmd
}

func (a *app) pollsRateCommand() *cobra.Command {
	o := &residentOptions{}
	cmd := &cobra.Command{
		Use:   "rate SUBJECT 1-5 --user IDENTIFIER",
		Short: "Rate a city activity from 1 to 5, through the API",
		Long: `Log in to the API (as for "polls comment") and rate SUBJECT (activity/ID)
from 1 to 5, once. The rating counts in the subject's average once anchored;
"polls mine" gives you its receipt.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := subjectPath(args[0])
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 || n > 5 {
				return fmt.Errorf("rating %q: a whole number from 1 to 5", args[1])
			}
			ctx := cmd.Context()
			s, err := residentLogin(ctx, o)
			if err != nil {
				return err
			}
			defer s.logout(ctx)
			var out struct{ ID uint64 }
			if err := s.call(ctx, "POST", path+"/ratings", map[string]int{"rating": n}, http.StatusCreated, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rating %d of %s: %d\n", out.ID, args[0], n)
			return nil
		},
	}
	o.flags(cmd)
	return cmd
}

func (a *app) pollsMineCommand() *cobra.Command {
	o := &residentOptions{}
	var save string
	cmd := &cobra.Command{
		Use:   "mine --user IDENTIFIER [--save DIR]",
		Short: "List your own comments and ratings, and save their receipts",
		Long: `Log in to the API (as for "polls comment") and list your comments and ratings
(GET /api/v1/me/feedback) with the batch each is anchored in and, for a hidden
comment, when and why it was hidden. With --save DIR each item is written to
DIR/item-ID.json, which "polls check" checks against the chain.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := residentLogin(ctx, o)
			if err != nil {
				return err
			}
			defer s.logout(ctx)
			var out struct {
				Items []json.RawMessage `json:"items"`
			}
			if err := s.call(ctx, "GET", "/me/feedback", nil, http.StatusOK, &out); err != nil {
				return err
			}
			if save != "" {
				if err := os.MkdirAll(save, 0o700); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			for _, raw := range out.Items {
				var it feedbackFile
				if err := json.Unmarshal(raw, &it); err != nil {
					return fmt.Errorf("the API's answer: %w", err)
				}
				what := strconv.Itoa(int(it.Rating))
				if it.Kind == "comment" {
					what = strconv.Quote(it.Text)
					if it.Hidden {
						what += fmt.Sprintf(" (hidden by a moderator at %s: %s)", it.HiddenAt, it.HiddenReason)
					}
				}
				batch := "pending"
				if it.Batch > 0 {
					batch = fmt.Sprintf("batch %d", it.Batch)
				}
				fmt.Fprintf(w, "#%d  %s  %s  %s  (%s)\n", it.ID, it.Kind, it.Subject, what, batch)
				if save != "" {
					path := filepath.Join(save, fmt.Sprintf("item-%d.json", it.ID))
					if err := os.WriteFile(path, append(raw, '\n'), 0o600); err != nil {
						return err
					}
				}
			}
			fmt.Fprintf(w, "%d items\n", len(out.Items))
			return nil
		},
	}
	o.flags(cmd)
	cmd.Flags().StringVar(&save, "save", "", "write each item to DIR/item-ID.json for polls check")
	return cmd
}
