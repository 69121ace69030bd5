// Package yolo generates the standard YOLO model zoo as ONNX, reads Ultralytics metadata, and implements letterbox preprocessing, box decoding and NMS.
package yolo
