@testable import StreamScoreModel

/// Minimal float32 kernels so runtime tests do not depend on the real operator library.
enum RuntimeTestKernels {
    struct Binary: Kernel {
        let name: String
        let op: @Sendable (Float, Float) -> Float
        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            guard case .tensor(let a)? = inputs[0], case .tensor(let b)? = inputs[1],
                  case .float32(let x) = a.data, case .float32(let y) = b.data else {
                throw .runtime(node: name, message: "test Binary needs two float32 tensors")
            }
            // Broadcasts `b` when its elements tile `a` (a scalar, or one row of a matrix).
            guard a.shape == b.shape || (!y.isEmpty && x.count % y.count == 0 && b.count <= a.count) else {
                throw .runtime(node: name, message: "shape mismatch \(a.shape) \(b.shape)")
            }
            return [.tensor(Tensor(shape: a.shape, float32: x.indices.map { op(x[$0], y[$0 % y.count]) }))]
        }
    }

    struct Identity: Kernel {
        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] { [inputs[0]!] }
    }

    /// Outputs the number of inputs known at load time, as an int64 scalar.
    struct ConstantCount: Kernel {
        let count: Int
        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            [.tensor(Tensor(shape: [], int64: [Int64(count)]))]
        }
    }

    /// Outputs the number of inputs it received at run time (declared plus implicit).
    struct ArgumentCount: Kernel {
        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            [.tensor(Tensor(shape: [], int64: [Int64(inputs.count)]))]
        }
    }

    static let registry: KernelRegistry = {
        var r = KernelRegistry()
        r.register("Add", versions: 1...30) { info throws(ModelError) in Binary(name: info.name, op: +) }
        r.register("Sub", versions: 1...30) { info throws(ModelError) in Binary(name: info.name, op: -) }
        r.register("Mul", versions: 1...30) { info throws(ModelError) in Binary(name: info.name, op: *) }
        r.register("Identity", versions: 1...30) { _ throws(ModelError) in Identity() }
        r.register("ConstantCount", versions: 1...30) { info throws(ModelError) in
            ConstantCount(count: info.constantInputs.count)
        }
        r.register(domain: "test.domain", "ArgumentCount", versions: 1...1) { _ throws(ModelError) in ArgumentCount() }
        ScanKernel.register(into: &r)
        return r
    }()
}
