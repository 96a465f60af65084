"""A model whose output is its weights (Identity of an initializer holding
awkward float32 values: signed zeros, the smallest subnormal, the largest and
smallest normals, infinities, NaN, values that need all 9 significant digits,
and random bit patterns), with the same values as the reference output: the
emitted static const array must round-trip every value exactly.
Run with /usr/bin/python3; writes next to this script."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "roundtrip")


def main():
    special = np.array([0.0, -0.0, 1e-45, -1e-45, 1.17549435e-38, 3.4028235e38, -3.4028235e38,
                        np.inf, -np.inf, np.nan, 0.1, 1.0 / 3.0, np.pi, 16777217.0, 2.0 ** -149,
                        1.0000001, 0.99999994], np.float32)
    rs = np.random.RandomState(5)
    bits = rs.randint(0, 2 ** 32, size=239, dtype=np.uint64).astype(np.uint32)
    rand = bits.view(np.float32)
    rand = rand[np.isfinite(rand)]
    w = np.concatenate([special, rand]).astype(np.float32)
    init = numpy_helper.from_array(w, "w")
    node = helper.make_node("Identity", ["w"], ["y"])
    g = helper.make_graph([node], "roundtrip", [],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [len(w)])], [init])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="roundtrip")
    onnx.checker.check_model(m)
    os.makedirs(os.path.join(HERE, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(HERE, "model.onnx"), "wb") as f:
        f.write(m.SerializeToString())
    with open(os.path.join(HERE, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(w, "y").SerializeToString())


if __name__ == "__main__":
    main()
