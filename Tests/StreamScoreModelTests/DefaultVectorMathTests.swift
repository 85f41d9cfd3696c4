import Foundation
import Testing
@testable import StreamScoreModel

@Suite("Default ops: vectorised exp, sigmoid, tanh")
struct DefaultVectorMathTests {
    typealias H = DefaultOpsHarness

    /// 2001 points over [-100, 100] plus edge values; 2003 is not a multiple of 8, so the tail path runs too.
    static let inputs: [Float] = (0...2000).map { Float($0 - 1000) / 10 } + [88.7, -87.3]

    static func relativeError(_ actual: Float, _ expected: Float) -> Float {
        if actual == expected { return 0 }
        return abs(actual - expected) / max(abs(expected), Float.leastNormalMagnitude)
    }

    @Test("Exp agrees with the C library to 1e-6 relative over the normal range")
    func exp() throws {
        let y = H.floats(try H.run1("Exp", version: 13, [H.f([Self.inputs.count], Self.inputs)]))
        for (x, value) in zip(Self.inputs, y) {
            let expected = expf(x)
            if expected < Float.leastNormalMagnitude {
                #expect(value == 0 || Self.relativeError(value, expected) < 1e-6, "exp(\(x))")
            } else {
                #expect(Self.relativeError(value, expected) < 1e-6, "exp(\(x)) = \(value), expected \(expected)")
            }
        }
    }

    @Test("Sigmoid and Tanh agree with the reference formulas to 1e-6")
    func sigmoidTanh() throws {
        let sigmoid = H.floats(try H.run1("Sigmoid", version: 13, [H.f([Self.inputs.count], Self.inputs)]))
        let tanh = H.floats(try H.run1("Tanh", version: 13, [H.f([Self.inputs.count], Self.inputs)]))
        for (index, x) in Self.inputs.enumerated() {
            let expectedSigmoid = Float(1 / (1 + Foundation.exp(-Double(x))))
            #expect(abs(sigmoid[index] - expectedSigmoid) <= max(1e-6 * expectedSigmoid, 1e-7), "sigmoid(\(x))")
            let expectedTanh = tanhf(x)
            #expect(abs(tanh[index] - expectedTanh) <= max(1e-6 * abs(expectedTanh), 1e-7), "tanh(\(x)) = \(tanh[index])")
        }
        let tiny = H.floats(try H.run1("Tanh", version: 13, [H.f([2], [1e-4, -3e-3])]))
        #expect(Self.relativeError(tiny[0], tanhf(1e-4)) < 1e-6 && Self.relativeError(tiny[1], tanhf(-3e-3)) < 1e-6)
    }

    @Test("non-finite inputs")
    func nonFinite() throws {
        let x = H.f([5], [.nan, .infinity, -.infinity, 200, -200])
        let e = H.floats(try H.run1("Exp", version: 13, [x]))
        #expect(e[0].isNaN && e[1] == .infinity && e[2] == 0 && e[3] == .infinity && e[4] == 0)
        let s = H.floats(try H.run1("Sigmoid", version: 13, [x]))
        #expect(s[0].isNaN && s[1] == 1 && s[2] < 1e-30 && s[3] == 1 && s[4] < 1e-30)
        let t = H.floats(try H.run1("Tanh", version: 13, [x]))
        #expect(t[0].isNaN && t[1] == 1 && t[2] == -1 && t[3] == 1 && t[4] == -1)
    }
}
