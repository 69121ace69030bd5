package ort

import (
	"bytes"
	"sync"
	"testing"
)

// TestStreamsShareSession runs two streams of one session concurrently on
// different inputs; each must get what the session alone computes for its
// input.
func TestStreamsShareSession(t *testing.T) {
	loadORT(t)
	model := readModel(t)
	in, out, err := Inspect(model)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(model, in, out, Config{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.NewStream(); err == nil {
		t.Fatal("NewStream before First: want an error")
	}
	if err := s.Allocate([][]int64{{1, 3, 640, 640}}); err != nil {
		t.Fatal(err)
	}
	if err := s.First(); err != nil {
		t.Fatal(err)
	}
	fill := func(b []byte, k byte) {
		for i := range b {
			if i%4 == 3 {
				b[i] = 0x3e + k // float32 values around 0.1..0.5
			}
		}
	}
	want := make([][]byte, 2)
	for k := range want {
		fill(s.InputData(0), byte(k))
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
		want[k] = bytes.Clone(s.OutputData(0))
	}
	if bytes.Equal(want[0], want[1]) {
		t.Fatal("two different inputs gave the same output; the test cannot tell streams apart")
	}
	streams := make([]*Stream, 2)
	for k := range streams {
		st, err := s.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fill(st.InputData(0), byte(k))
		streams[k] = st
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for k, st := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if errs[k] = st.Run(); errs[k] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for k, st := range streams {
		if errs[k] != nil {
			t.Fatal(errs[k])
		}
		if !bytes.Equal(st.OutputData(0), want[k]) {
			t.Errorf("stream %d: output differs from the session's on the same input", k)
		}
	}
	if a := testing.AllocsPerRun(3, func() { streams[0].Run() }); a != 0 {
		t.Errorf("Stream.Run allocates %v times per call, want 0", a)
	}
}
