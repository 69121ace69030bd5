package runner

import "github.com/yologate/yologate/runner/yolo"

// The built-in zoo: standard models are generated in memory with a fixed
// input of the case's size and batch, as a static Ultralytics export would be.
func init() {
	generate = func(name string, size Size, batch int) ([]byte, error) {
		return yolo.Generate(name, yolo.GenerateOptions{Height: size.Height, Width: size.Width, Batch: batch})
	}
	standardNames = yolo.StandardNames
}
