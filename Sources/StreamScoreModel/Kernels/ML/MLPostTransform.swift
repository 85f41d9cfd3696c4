#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `post_transform` attribute of the ML classifiers and regressors.
/// All arithmetic is single precision, like onnxruntime's `ml_common.h`.
enum MLPostTransform: Sendable, Equatable {
    case none, logistic, softmax, softmaxZero, probit

    /// Parses the attribute value; unknown names are a load-time error.
    init(attribute: String, _ attributes: MLAttributes) throws(ModelError) {
        switch attribute {
        case "NONE": self = .none
        case "LOGISTIC": self = .logistic
        case "SOFTMAX": self = .softmax
        case "SOFTMAX_ZERO": self = .softmaxZero
        case "PROBIT": self = .probit
        default:
            throw attributes.invalid("unknown post_transform '\(attribute)' (expected NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO or PROBIT)")
        }
    }

    /// Reads `post_transform` (default NONE).
    init(_ attributes: MLAttributes) throws(ModelError) {
        try self.init(attribute: try attributes.string("post_transform", default: "NONE"), attributes)
    }

    /// Applies the transform to one row of two or more scores, in place.
    func applyToRow(_ row: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .none:
            break
        case .logistic:
            for i in row.indices { row[i] = MLMath.logistic(row[i]) }
        case .probit:
            for i in row.indices { row[i] = MLMath.probit(row[i]) }
        case .softmax:
            MLMath.softmax(row)
        case .softmaxZero:
            MLMath.softmaxZero(row)
        }
    }
}

/// Scalar helpers matching onnxruntime's ML math (single precision).
enum MLMath {
    /// `1 / (1 + e^-|x|)`, mirrored for negative inputs.
    @inline(__always)
    static func logistic(_ x: Float) -> Float {
        let v: Float = 1 / (1 + exp(-abs(x)))
        return x < 0 ? 1 - v : v
    }

    /// Winitzki's closed-form approximation of erf⁻¹ (a = 0.147), as onnxruntime uses.
    static func erfInv(_ value: Float) -> Float {
        let sign: Float = value < 0 ? -1 : 1
        let x = (1 - value) * (1 + value)
        let lnx = log(x)
        // π rounded to nearest (Swift's Float.pi rounds toward zero; C's (float)M_PI does not).
        let v: Float = 2 / (Float(Double.pi) * 0.147) + 0.5 * lnx
        let v2: Float = 1 / 0.147 * lnx
        let v3 = -v + (v * v - v2).squareRoot()
        return sign * v3.squareRoot()
    }

    /// The probit (inverse normal CDF) `√2 · erf⁻¹(2p − 1)`.
    @inline(__always)
    static func probit(_ p: Float) -> Float {
        Float(2).squareRoot() * erfInv(2 * p - 1)
    }

    /// Numerically stable softmax over `values`, in place.
    static func softmax(_ values: UnsafeMutableBufferPointer<Float>) {
        var maximum = -Float.greatestFiniteMagnitude
        for v in values where v > maximum { maximum = v }
        var sum: Float = 0
        for i in values.indices {
            let e = exp(values[i] - maximum)
            values[i] = e
            sum += e
        }
        for i in values.indices { values[i] /= sum }
    }

    /// Softmax that leaves (near-)zero scores out of the exponentiation: they stay ~0.
    static func softmaxZero(_ values: UnsafeMutableBufferPointer<Float>) {
        var maximum = -Float.greatestFiniteMagnitude
        for v in values where v > maximum { maximum = v }
        let expNegMax = exp(-maximum)
        var sum: Float = 0
        for i in values.indices {
            let v = values[i]
            if v > 0.0000001 || v < -0.0000001 {
                let e = exp(v - maximum)
                values[i] = e
                sum += e
            } else {
                values[i] = v * expNegMax
            }
        }
        for i in values.indices { values[i] /= sum }
    }

    /// libsvm's Platt-scaled pairwise probability `1 − logistic(score · A + B)`.
    @inline(__always)
    static func sigmoidProbability(_ score: Float, _ a: Float, _ b: Float) -> Float {
        1 - logistic(score * a + b)
    }

    /// libsvm's pairwise coupling (Wu, Lin & Weng, method 2) turning the pairwise probability
    /// matrix `r` (k × k, row-major) into class probabilities `p` (k values), in single precision.
    static func multiclassProbability(classCount k: Int, r: [Float], p: UnsafeMutableBufferPointer<Float>) {
        var q = [Float](repeating: 0, count: k * k)
        var qp = [Float](repeating: 0, count: k)
        let eps: Float = 0.005 / Float(k)
        for i in 0..<k {
            p[i] = 1 / Float(k)
            for j in 0..<i {
                q[i * k + i] += r[j * k + i] * r[j * k + i]
                q[i * k + j] = q[j * k + i]
            }
            for j in (i + 1)..<k {
                q[i * k + i] += r[j * k + i] * r[j * k + i]
                q[i * k + j] = -r[j * k + i] * r[i * k + j]
            }
        }
        for _ in 0..<100 {
            var pQp: Float = 0
            for i in 0..<k {
                qp[i] = 0
                for j in 0..<k { qp[i] += q[i * k + j] * p[j] }
                pQp += p[i] * qp[i]
            }
            var maxError: Float = 0
            for i in 0..<k {
                let error = abs(qp[i] - pQp)
                if error > maxError { maxError = error }
            }
            if maxError < eps { break }
            for i in 0..<k {
                let diff = (-qp[i] + pQp) / q[i * k + i]
                p[i] += diff
                pQp = (pQp + diff * (diff * q[i * k + i] + 2 * qp[i])) / (1 + diff) / (1 + diff)
                for j in 0..<k {
                    qp[j] = (qp[j] + diff * q[i * k + j]) / (1 + diff)
                    p[j] /= (1 + diff)
                }
            }
        }
    }
}
