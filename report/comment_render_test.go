package report

import (
	"context"
	"encoding/json"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yologate/yologate/report/github/githubtest"
)

// commentWidth is the width of a pull-request comment on GitHub, in CSS
// pixels: the page the test renders a comment in is this wide, padding
// included, as GitHub's comment box is.
const commentWidth = 790

// renderHeight is the height of the window a comment is drawn in; the
// screenshot is cut to the comment's own height.
const renderHeight = 5000

// renderFiles are what the page needs from the pinned npm packages
// (.ci/npm): GitHub's markdown stylesheet, a GFM renderer and Mermaid.
var renderFiles = []string{
	"github-markdown-css/github-markdown-light.css",
	"marked/lib/marked.umd.js",
	"mermaid/dist/mermaid.min.js",
}

// rendered is what testdata/render/render.js measured on the page.
type rendered struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	Tables []struct {
		Head        []string `json:"head"`
		ScrollWidth float64  `json:"scrollWidth"`
		ClientWidth float64  `json:"clientWidth"`
		Right       float64  `json:"right"`
		Limit       float64  `json:"limit"`
	} `json:"tables"`
	Charts []struct {
		Error       string   `json:"error"`
		Clipped     []string `json:"clipped"`
		Overlapping []int    `json:"overlapping"`
		Labels      int      `json:"labels"`
	} `json:"charts"`
	Broken []string `json:"broken"`
	Errors []string `json:"errors"`
}

var resultRe = regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`)

// TestCommentInChromium renders every golden comment as GitHub shows it, in
// headless Chromium at the width of a comment: every Mermaid block must
// parse and draw its text inside the chart with x labels that do not
// overlap, every table must fit the width (so the verdict column is in
// view), and no word may be broken across lines. A screenshot of each goes
// to build/. It needs Debian's chromium package and the npm packages that
// make npm-tools installs.
func TestCommentInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium); the markdown is still checked by TestCommentGolden")
	}
	modules := renderModules(t)
	script, err := filepath.Abs("testdata/render/render.js")
	if err != nil {
		t.Fatal(err)
	}
	goldens, err := filepath.Glob("testdata/comment_*.md")
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden comments: %v", err)
	}
	shotDir, _ := filepath.Abs("../build")
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, golden := range goldens {
		name := strings.TrimSuffix(filepath.Base(golden), ".md")
		t.Run(name, func(t *testing.T) {
			md, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			page := filepath.Join(dir, "comment.html")
			if err := os.WriteFile(page, []byte(commentPage(string(md), modules, script)), 0o644); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, "shot.png")
			args := append(chromiumArgs(dir), "--hide-scrollbars", "--virtual-time-budget=30000",
				"--window-size="+strconv.Itoa(commentWidth)+","+strconv.Itoa(renderHeight), "--screenshot="+shot, "--dump-dom", "file://"+page)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			dom, err := exec.CommandContext(ctx, bin, args...).Output()
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			m := resultRe.FindSubmatch(dom)
			if m == nil || len(m[1]) == 0 {
				t.Fatalf("the page did not finish rendering:\n%.2000s", dom)
			}
			var r rendered
			if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &r); err != nil {
				t.Fatalf("reading the page's result: %v\n%s", err, m[1])
			}
			checkRendered(t, string(md), &r)
			if err := cropPNG(shot, filepath.Join(shotDir, name+".png"), min(r.Height, renderHeight)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// checkRendered applies the rules of a comment a reviewer can read.
func checkRendered(t *testing.T, md string, r *rendered) {
	t.Helper()
	for _, e := range r.Errors {
		t.Errorf("page error: %s", e)
	}
	if want := strings.Count(md, "```mermaid"); len(r.Charts) != want {
		t.Errorf("%d charts drawn, want %d", len(r.Charts), want)
	}
	for i, c := range r.Charts {
		if c.Error != "" {
			t.Errorf("chart %d does not parse: %s", i+1, c.Error)
		}
		for _, s := range c.Clipped {
			t.Errorf("chart %d: %q runs out of the chart", i+1, s)
		}
		if len(c.Overlapping) > 0 {
			t.Errorf("chart %d: %d of its %d x labels overlap the one before", i+1, len(c.Overlapping), c.Labels)
		}
	}
	if r.Width > commentWidth {
		t.Errorf("the page is %d px wide, over the comment's %d", r.Width, commentWidth)
	}
	verdict := false
	for _, tb := range r.Tables {
		if tb.ScrollWidth > tb.ClientWidth+1 || tb.Right > tb.Limit+1 {
			t.Errorf("table %q needs %.0f px of the %.0f px a comment has: its right-hand columns are off-screen", tb.Head, tb.ScrollWidth, tb.ClientWidth)
		}
		for _, h := range tb.Head {
			verdict = verdict || h == "verdict"
		}
	}
	if !verdict {
		t.Errorf("no table with a verdict column in view")
	}
	for _, w := range r.Broken {
		t.Errorf("%q is broken across two lines", w)
	}
}

// commentPage is an HTML page that renders md as GitHub renders a comment.
func commentPage(md, modules, script string) string {
	js, _ := json.Marshal(md)
	url := func(p string) string { return "file://" + filepath.ToSlash(filepath.Join(modules, p)) }
	return `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="` + url(renderFiles[0]) + `">
<style>body { margin: 0; background: #fff } #comment { box-sizing: border-box; width: ` + strconv.Itoa(commentWidth) + `px; padding: 16px } #result { display: none }</style>
</head><body><article id="comment" class="markdown-body"></article><pre id="result"></pre>
<script id="markdown" type="application/json">` + strings.ReplaceAll(string(js), "</", `<\/`) + `</script>
<script src="` + url(renderFiles[1]) + `"></script>
<script src="` + url(renderFiles[2]) + `"></script>
<script src="file://` + filepath.ToSlash(script) + `"></script>
</body></html>`
}

// renderModules returns the node_modules folder of the pinned npm packages
// (YOLOGATE_NPM_MODULES, else .cache/npm/node_modules), or skips t.
func renderModules(t *testing.T) string {
	dir := os.Getenv("YOLOGATE_NPM_MODULES")
	if dir == "" {
		root, err := githubtest.ModuleRoot()
		if err != nil {
			t.Skipf("no module root: %v", err)
		}
		dir = filepath.Join(root, ".cache", "npm", "node_modules")
	}
	for _, f := range renderFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Skipf("npm packages absent (%v): make npm-tools installs them", err)
		}
	}
	return dir
}

// cropPNG writes the top height pixels of the PNG src to dst.
func cropPNG(src, dst string, height int) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return err
	}
	b := img.Bounds()
	if height > 0 && height < b.Dy() {
		b.Max.Y = b.Min.Y + height
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return os.ErrInvalid
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := png.Encode(out, sub.SubImage(b)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
