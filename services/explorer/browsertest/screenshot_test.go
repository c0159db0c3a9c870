package browsertest_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/explorer"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/tally/verify/verifytest"
)

// The README's screenshot (docs/images/explorer-election.png) is made by
// TestElectionPageScreenshot pointed at the demo election's explorer
// (docs/explorer.md, "The README's screenshot"):
//
//	VECHE_SCREENSHOT_URL  the election page to shoot; unset: the sample
//	                      election, served by the test
//	VECHE_SCREENSHOT      where the PNG goes (an absolute path); unset: the
//	                      artefacts
//	VECHE_SCREENSHOT_HEIGHT  the most of the top of the page kept, in CSS
//	                      pixels (default 2600); the image ends after the
//	                      first contest's results if they end sooner
const (
	envShotURL    = "VECHE_SCREENSHOT_URL"
	envShotFile   = "VECHE_SCREENSHOT"
	envShotHeight = "VECHE_SCREENSHOT_HEIGHT"
)

// maxShotBytes bounds the README's image.
const maxShotBytes = 200 << 10

// The election page, once verified, makes a screenshot for the README: the
// top of the page (the verdict, the ten steps, the lookup form, the first
// contest's results) 1200 pixels wide, in at most 256 colours, under 200 KB, with no
// console error on the way. Without VECHE_SCREENSHOT_URL it shoots the
// sample election.
func TestElectionPageScreenshot(t *testing.T) {
	target := os.Getenv(envShotURL)
	if target == "" {
		rec := verifytest.Load(t, sampleRecord)
		board := memboard.New()
		verifytest.Replay(t, board, rec, 0, len(rec.Log))
		srv := serve(t, explorer.Options{Board: board, Contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3", ChainID: 1337, RPC: "/chain"})
		waitReport(t, srv, verify.Verified, uint64(len(rec.Log)))
		target = srv.URL + electionPath
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		t.Fatalf("%s=%q: want an absolute URL", envShotURL, target)
	}
	height := 2600
	if s := os.Getenv(envShotHeight); s != "" {
		if height, err = strconv.Atoi(s); err != nil || height < 100 || height > 20000 {
			t.Fatalf("%s=%q: want a height in pixels, 100 to 20000", envShotHeight, s)
		}
	}
	out := os.Getenv(envShotFile)
	if out != "" && !filepath.IsAbs(out) {
		t.Fatalf("%s=%q: want an absolute path (go test runs in the package's directory)", envShotFile, out)
	}
	if out == "" {
		out = filepath.Join(artefacts(t), "explorer-election.png")
	}

	tb := newTab(t, u.Scheme+"://"+u.Host)
	tb.do(chromedp.Navigate(target))
	tb.waitFor(allOK+` && document.getElementById("verdict").dataset.verdict === "verified" && document.readyState === "complete"`, "the verified election page")
	// The page as a first-time visitor sees it: at the top, no focus.
	eval[bool](tb, `window.scrollTo(0, 0), document.activeElement && document.activeElement.blur && document.activeElement.blur(), true`)
	shot := capture(t, tb, height)
	small, err := paletted(shot)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, small, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of %s: %s (%d KB; %d KB before reducing the colours)", target, out, len(small)/1024, len(shot)/1024)
	if len(small) > maxShotBytes {
		t.Errorf("the screenshot is %d KB, more than %d KB: keep less of the page (%s)", len(small)/1024, maxShotBytes/1024, envShotHeight)
	}
	img, err := png.Decode(bytes.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != viewportWidth || b.Dy() > height || b.Dy() < 600 {
		t.Errorf("the screenshot is %v, want %d wide and 600 to %d high", b, viewportWidth, height)
	}
}

// capture returns a PNG of the top of the page at scale 1, down to the end
// of the first contest's results, at most height CSS pixels high.
func capture(t *testing.T, tb *tab, height int) []byte {
	t.Helper()
	end := eval[float64](tb, `(function () {
  var c = document.querySelector("#results .contest");
  return c ? c.getBoundingClientRect().bottom + window.scrollY + 16 : document.documentElement.scrollHeight;
})()`)
	h := min(float64(height), end)
	png, err := chromedp.Run(tb.ctx, func(ctx context.Context, tt *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, tt, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
			Clip:                  &page.Viewport{X: 0, Y: 0, Width: viewportWidth, Height: h, Scale: 1},
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	return png
}

// paletted re-encodes a PNG with at most 256 colours, best compressed: a
// page of text and flat colours has few colours besides the shades of its
// anti-aliased text, so it keeps the 256 most frequent and draws every
// other pixel in the nearest of them. The result depends on the image
// alone.
func paletted(in []byte) ([]byte, error) {
	decoded, err := png.Decode(bytes.NewReader(in))
	if err != nil {
		return nil, fmt.Errorf("browsertest: decoding the screenshot: %w", err)
	}
	b := decoded.Bounds()
	src, ok := decoded.(*image.RGBA)
	if !ok {
		src = image.NewRGBA(b)
		draw.Draw(src, b, decoded, b.Min, draw.Src)
	}
	// Count the colours, each as its 4 bytes in one uint32.
	px := func(i int) uint32 {
		return uint32(src.Pix[i])<<24 | uint32(src.Pix[i+1])<<16 | uint32(src.Pix[i+2])<<8 | uint32(src.Pix[i+3])
	}
	// Runs of one colour are long on a page (backgrounds, bars): look
	// the map up once a run.
	counts := map[uint32]int{}
	last, run := px(0), 0
	for y := range b.Dy() {
		row := y * src.Stride
		for x := range b.Dx() {
			if c := px(row + 4*x); c != last {
				counts[last] += run
				last, run = c, 0
			}
			run++
		}
	}
	counts[last] += run
	colours := make([]uint32, 0, len(counts))
	for c := range counts {
		colours = append(colours, c)
	}
	slices.SortFunc(colours, func(a, b uint32) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	pal := make(color.Palette, 0, 256)
	index := make(map[uint32]uint8, len(colours))
	for i, c := range colours[:min(256, len(colours))] {
		pal = append(pal, color.RGBA{uint8(c >> 24), uint8(c >> 16), uint8(c >> 8), uint8(c)})
		index[c] = uint8(i)
	}
	dst := image.NewPaletted(image.Rect(0, 0, b.Dx(), b.Dy()), pal)
	last, i := px(0)+1, uint8(0) // no colour yet
	for y := range b.Dy() {
		row := y * src.Stride
		for x := range b.Dx() {
			if c := px(row + 4*x); c != last {
				j, ok := index[c]
				if !ok {
					j = uint8(pal.Index(color.RGBA{uint8(c >> 24), uint8(c >> 16), uint8(c >> 8), uint8(c)}))
					index[c] = j
				}
				last, i = c, j
			}
			dst.Pix[y*dst.Stride+x] = i
		}
	}
	// The default compression: the best saves 3% for 7 times the time.
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, dst); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
