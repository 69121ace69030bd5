package accuracy

import (
	"strings"
	"testing"
)

func TestParseLabels(t *testing.T) {
	got, err := ParseLabels("bus.txt", []byte("# comment\n5 0.5 0.5 0.5 0.25\n\n2 0.1 0.2 0.2 0.2\n"), 80, 800, 400)
	if err != nil {
		t.Fatal(err)
	}
	want := []Box{box(5, 0, 200, 150, 600, 250), box(2, 0, 0, 40, 160, 120)}
	if len(got) != len(want) {
		t.Fatalf("got %d boxes, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Class != w.Class || !near(g.X1, w.X1) || !near(g.Y1, w.Y1) || !near(g.X2, w.X2) || !near(g.Y2, w.Y2) {
			t.Errorf("box %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestParseLabelsErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string
	}{
		{"columns", "0 0.5 0.5 0.5\n", []string{"l.txt:1:1: want 5 columns, got 4"}},
		{"outside", "0 0.5 1.5 0.5 0.5\n", []string{"l.txt:1:7: cy \"1.5\" is not a number in [0,1]"}},
		{"negative", "0 -0.1 0.5 0.5 0.5\n", []string{"l.txt:1:3: cx \"-0.1\""}},
		{"nan", "0 NaN 0.5 0.5 0.5\n", []string{"cx \"NaN\""}},
		{"class beyond names", "80 0.5 0.5 0.5 0.5\n", []string{"l.txt:1:1: class id 80 is beyond the model's 80 classes"}},
		{"bad class", "car 0.5 0.5 0.5 0.5\n", []string{"bad class id \"car\""}},
		{"every problem", "0 0.5\n1 0.5 0.5 0.5 0.5\n99 0.5 0.5 0.5 0.5\n", []string{"l.txt:1:1", "and 1 more problems"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLabels("l.txt", []byte(tt.data), 80, 640, 640)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func FuzzParseLabels(f *testing.F) {
	f.Add([]byte("0 0.5 0.5 0.2 0.2\n"))
	f.Add([]byte("79 1 1 1 1\n# x\n\n3 0 0 0 0"))
	f.Add([]byte("0 0.5\n1e309 0 0 0 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		boxes, err := ParseLabels("f.txt", data, 80, 640, 480)
		if err != nil {
			if boxes != nil {
				t.Fatal("boxes returned with an error")
			}
			return
		}
		for _, b := range boxes {
			if b.Class < 0 || b.Class >= 80 || b.X1 > b.X2 || b.Y1 > b.Y2 {
				t.Fatalf("invalid box %+v", b)
			}
		}
	})
}
