// Command codecbench decodes one ONNX file with yologate's hand-written
// codec (runner/onnxmodel) or with types protoc-gen-go generated from
// onnx.proto, and prints the median decode time, what a decode allocates
// (objects and bytes), what the decoded model keeps alive and the
// process's peak RSS. With -summarize it reads such lines and prints
// medians and spread per codec.
// .ci/bench-codec copies it into a temporary module next to the generated
// code; it is not part of yologate's build.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/protobuf/proto"

	"codecbench/onnxpb"

	"github.com/yologate/yologate/runner/onnxmodel"
)

// shape is what both decoders must agree on.
type shape struct{ nodes, initializers, rawBytes int }

func hand(data []byte) (any, shape, error) {
	m, err := onnxmodel.Decode(data)
	if err != nil {
		return nil, shape{}, err
	}
	s := shape{nodes: len(m.Graph.Node), initializers: len(m.Graph.Initializer)}
	for _, t := range m.Graph.Initializer {
		s.rawBytes += len(t.RawData)
	}
	return m, s, nil
}

func gen(data []byte) (any, shape, error) {
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, shape{}, err
	}
	g := m.GetGraph()
	s := shape{nodes: len(g.GetNode()), initializers: len(g.GetInitializer())}
	for _, t := range g.GetInitializer() {
		s.rawBytes += len(t.GetRawData())
	}
	return &m, s, nil
}

func main() {
	codec := flag.String("codec", "hand", "hand or gen")
	model := flag.String("model", "", "ONNX `FILE` to decode")
	n := flag.Int("n", 3, "decodes in this process")
	summarize := flag.String("summarize", "", "summarize the result lines in `FILE`")
	flag.Parse()
	if *summarize != "" {
		if err := summarizeFile(*summarize); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	decode := map[string]func([]byte) (any, shape, error){"hand": hand, "gen": gen}[*codec]
	if decode == nil {
		fmt.Fprintf(os.Stderr, "unknown codec %q\n", *codec)
		os.Exit(2)
	}
	data, err := os.ReadFile(*model)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var ms, allocMB, liveMB, objects []float64
	var sh shape
	for i := 0; i < *n; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		m, s, err := decode(data)
		elapsed := time.Since(start)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		runtime.ReadMemStats(&after)
		allocMB = append(allocMB, float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
		objects = append(objects, float64(after.Mallocs-before.Mallocs))
		runtime.GC()
		runtime.ReadMemStats(&after)
		liveMB = append(liveMB, (float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20))
		runtime.KeepAlive(m)
		ms = append(ms, float64(elapsed)/float64(time.Millisecond))
		sh = s
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("codec=%s decode_ms=%.1f allocs=%.0f alloc_mb=%.1f live_mb=%.1f maxrss_mb=%.1f input_mb=%.1f nodes=%d initializers=%d raw_mb=%.1f\n",
		*codec, median(ms), median(objects), median(allocMB), median(liveMB), float64(ru.Maxrss)/1024, float64(len(data))/(1<<20),
		sh.nodes, sh.initializers, float64(sh.rawBytes)/(1<<20))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// summarizeFile prints, per codec and figure, the median over the rounds
// with the smallest and largest value.
func summarizeFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	values := map[string]map[string][]float64{}
	var codecs, keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "codec=") {
			continue
		}
		codec := strings.TrimPrefix(fields[0], "codec=")
		if values[codec] == nil {
			values[codec] = map[string][]float64{}
			codecs = append(codecs, codec)
		}
		for _, kv := range fields[1:] {
			k, v, _ := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%s: %q", path, kv)
			}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
			values[codec][k] = append(values[codec][k], x)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Printf("%-14s", "figure")
	for _, c := range codecs {
		fmt.Printf("  %-28s", c+" median [min, max]")
	}
	fmt.Println()
	for _, k := range keys {
		fmt.Printf("%-14s", k)
		for _, c := range codecs {
			v := values[c][k]
			fmt.Printf("  %-28s", fmt.Sprintf("%.1f [%.1f, %.1f] n=%d", median(v), slices.Min(v), slices.Max(v), len(v)))
		}
		fmt.Println()
	}
	return nil
}
