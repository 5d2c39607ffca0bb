// Command seed fills a TrueFoundry API (normally the bundled emulator) with
// secret groups for benchmarks and demos: -groups groups of -secrets keys
// each, named <prefix>-00001..., with random values it never prints. It talks
// HTTP directly so that benchmark set-up does not depend on the code being
// measured.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", getenv("TFY_BASE_URL"), "API base URL")
	groups := fs.Int("groups", 50, "number of groups")
	secrets := fs.Int("secrets", 2, "keys per group")
	prefix := fs.String("prefix", "bench", "group name prefix")
	workers := fs.Int("workers", 8, "concurrent requests")
	storeType := fs.String("store", "integration/secret-store/aws/secrets-manager", "integration type to use")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *groups < 1 || *secrets < 1 || *workers < 1:
		// The API refuses a group without secrets, so zero is never useful.
		return errors.New("-groups, -secrets and -workers must be at least 1")
	}
	key := getenv("TFY_API_KEY")
	if *base == "" || key == "" {
		return errors.New("set -url (or TFY_BASE_URL) and TFY_API_KEY")
	}
	c := &client{base: strings.TrimSuffix(*base, "/"), key: key}
	integration, err := c.integration(*storeType)
	if err != nil {
		return err
	}
	if err := c.createGroups(*prefix, integration, *groups, *secrets, *workers); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "seed: %d groups of %d keys created\n", *groups, *secrets)
	return nil
}

// createGroups creates <prefix>-00001... with workers concurrent requests and
// stops at the first error.
func (c *client) createGroups(prefix, integration string, groups, secrets, workers int) error {
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := c.createGroup(fmt.Sprintf("%s-%05d", prefix, i), integration, secrets); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var firstErr error
	for i := 1; i <= groups && firstErr == nil; i++ {
		select {
		case jobs <- i:
		case firstErr = <-errs:
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if firstErr == nil {
		firstErr = <-errs
	}
	return firstErr
}

type client struct {
	base, key string
}

func (c *client) do(method, path string, body any, read func(io.Reader) error) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Only the API's message: the raw body of a refused write could
		// echo what was sent, and that holds values.
		var e struct {
			Message string `json:"message"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&e)
		return fmt.Errorf("%s %s: %s: %.200q", method, path, resp.Status, e.Message)
	}
	if read == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return read(resp.Body)
}

func (c *client) integration(storeType string) (string, error) {
	var id string
	err := c.do(http.MethodGet, "/api/svc/v1/provider-integrations?type=secret-store", nil, func(r io.Reader) error {
		var err error
		id, err = pickIntegration(r, storeType)
		return err
	})
	return id, err
}

// pickIntegration finds the id of the first integration of storeType in a
// provider-integrations response.
func pickIntegration(r io.Reader, storeType string) (string, error) {
	var resp struct {
		Data []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Manifest struct {
				Type string `json:"type"`
			} `json:"manifest"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r).Decode(&resp); err != nil {
		return "", fmt.Errorf("decode integrations: %w", err)
	}
	for _, in := range resp.Data {
		if (in.Type == storeType || in.Manifest.Type == storeType) && in.ID != "" {
			return in.ID, nil
		}
	}
	return "", fmt.Errorf("no integration of type %s among %d", storeType, len(resp.Data))
}

func (c *client) createGroup(name, integration string, n int) error {
	type secret struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	secrets := make([]secret, n)
	for i := range secrets {
		secrets[i] = secret{Key: fmt.Sprintf("KEY_%04d", i), Value: randomValue()}
	}
	body := map[string]any{"name": name, "integrationId": integration, "secrets": secrets}
	return c.do(http.MethodPost, "/api/svc/v1/secret-groups", body, nil)
}

func randomValue() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
