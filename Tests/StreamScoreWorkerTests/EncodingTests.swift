import StreamScoreContract
@testable import StreamScoreWorker
import Testing

@Suite("Prediction encoding")
struct EncodingTests {
    @Test("Reused timing encodings write exactly what JSONWriter.milliseconds writes")
    func repeatedMilliseconds() {
        let values: [Double] = [1.2345, 1.2345, 1.23449, 1.2346, 0, 0, -0.0004, -2.5, 10264.6125, 10264.6125,
                                .nan, 3.0, .infinity, 3.0, 0.0005, 0.00049]
        var repeated = BatchProcessor.RepeatedMilliseconds()
        var reused = JSONWriter()
        var direct = JSONWriter()
        for v in values {
            repeated.write(v, to: &reused)
            direct.milliseconds(v)
            reused.byte(UInt8(ascii: ","))
            direct.byte(UInt8(ascii: ","))
        }
        #expect(String(decoding: reused.bytes, as: UTF8.self) == String(decoding: direct.bytes, as: UTF8.self))
    }
}
