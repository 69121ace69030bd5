module github.com/yologate/yologate

go 1.26
