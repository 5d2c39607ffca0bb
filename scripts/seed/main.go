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
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run() error {
	base := flag.String("url", os.Getenv("TFY_BASE_URL"), "API base URL")
	groups := flag.Int("groups", 50, "number of groups")
	secrets := flag.Int("secrets", 2, "keys per group")
	prefix := flag.String("prefix", "bench", "group name prefix")
	workers := flag.Int("workers", 8, "concurrent requests")
	storeType := flag.String("store", "integration/secret-store/aws/secrets-manager", "integration type to use")
	flag.Parse()
	key := os.Getenv("TFY_API_KEY")
	if *base == "" || key == "" {
		return errors.New("set -url (or TFY_BASE_URL) and TFY_API_KEY")
	}
	c := &client{base: strings.TrimSuffix(*base, "/"), key: key}
	integration, err := c.integration(*storeType)
	if err != nil {
		return err
	}
	jobs := make(chan int)
	errs := make(chan error, *workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := c.createGroup(fmt.Sprintf("%s-%05d", *prefix, i), integration, *secrets); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var firstErr error
	for i := 1; i <= *groups && firstErr == nil; i++ {
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
	if firstErr != nil {
		return firstErr
	}
	fmt.Fprintf(os.Stderr, "seed: %d groups of %d keys created\n", *groups, *secrets)
	return nil
}

type client struct {
	base, key string
}

func (c *client) do(method, path string, body any, out any) error {
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
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *client) integration(storeType string) (string, error) {
	var resp struct {
		Data []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Manifest struct {
				Type string `json:"type"`
			} `json:"manifest"`
		} `json:"data"`
	}
	if err := c.do(http.MethodGet, "/api/svc/v1/provider-integrations?type=secret-store", nil, &resp); err != nil {
		return "", err
	}
	for _, in := range resp.Data {
		if in.Type == storeType || in.Manifest.Type == storeType {
			return in.ID, nil
		}
	}
	return "", fmt.Errorf("no integration of type %s", storeType)
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
