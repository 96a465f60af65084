"""Exports a small PyTorch model whose graph computes shapes at run time the
way torch.onnx does (Shape -> Gather -> Mul -> Unsqueeze -> Concat -> Reshape),
with a symbolic batch N, plus PyTorch's reference output for a batch of 2.
onnxcc must fold the whole shape subgraph at compile time.
Run with /usr/bin/python3 from anywhere; writes next to this script."""
import os

import torch
from onnx import numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_shapes")


class ShapeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 5 * 6, 7)

    def forward(self, x):
        y = torch.relu(self.conv(x))
        y = y.view(y.size(0), y.size(1) * y.size(2) * y.size(3))
        z = self.fc(y)
        return torch.softmax(z.reshape(x.shape[0], -1), dim=-1)


def main():
    torch.manual_seed(0)
    model = ShapeNet().eval()
    x = torch.randn(2, 3, 5, 6)
    os.makedirs(os.path.join(HERE, "test_data_set_0"), exist_ok=True)
    torch.onnx.export(model, x, os.path.join(HERE, "model.onnx"), input_names=["input"],
                      output_names=["output"], opset_version=13,
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    with torch.no_grad():
        y = model(x)
    for name, t in (("input", x), ("output", y)):
        with open(os.path.join(HERE, "test_data_set_0", name + "_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy(), name).SerializeToString())


if __name__ == "__main__":
    main()
