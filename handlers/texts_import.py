"""Every Vietnamese sentence of the /nhap dialog (importing plan tasks from a spreadsheet)."""

CMD_IMPORT = "Nhập nhiệm vụ từ bảng tính (CSV/XLSX)"
MENU_IMPORT = "📥 Nhập nhiệm vụ từ bảng tính"

ASK_FILE = (
    "Bạn gửi tệp bảng nhiệm vụ (CSV hoặc XLSX) vào đây. Bảng cần các cột: nội dung, thời gian, chủ trì "
    "(thêm STT, nhóm, phối hợp, nguồn nếu có). Mình sẽ kiểm tra thử và cho bạn xem trước khi nhập.\n"
    "{plan_line}\n"
    "Gõ /huy để thôi."
)
PLAN_GIVEN = "Tên kế hoạch: «{plan}»."
PLAN_FROM_COLUMN = "Tên kế hoạch lấy từ cột «nguồn»; muốn đặt tên khác, bạn gõ tên kế hoạch trước khi gửi tệp."
PLAN_TOO_SHORT = (
    "Mình đang chờ tệp CSV/XLSX. Nếu bạn muốn đặt tên kế hoạch, hãy gõ tên đầy đủ "
    "(ví dụ: Kế hoạch số 10-KH/ĐU); gõ /huy để thôi."
)
PLAN_SET = "Đã ghi tên kế hoạch: «{plan}». Bây giờ bạn gửi tệp CSV hoặc XLSX nhé."

FILE_TOO_LARGE = "Tệp lớn quá nên mình không nhận được. Bạn bỏ bớt các trang tính không cần rồi gửi lại nhé."
FILE_DOWNLOAD_FAILED = "Mình chưa tải được tệp bạn gửi. Bạn vui lòng gửi lại sau ít phút nhé."
FILE_NOT_DOCUMENT = "Mình cần tệp bảng tính CSV hoặc XLSX (gửi dạng tệp), không phải ảnh chụp."
FILE_WRONG_TYPE = "Tệp «{name}» không phải CSV hay XLSX. Bạn lưu bảng thành .xlsx hoặc «CSV UTF-8» rồi gửi lại nhé."
FILE_BROKEN = "Không đọc được tệp «{name}»: {error}\nBạn sửa tệp rồi gửi lại, hoặc gõ /huy để thôi."
FILE_GONE = "Tệp đã kiểm tra không còn hoặc đã thay đổi. Bạn gửi lại tệp để kiểm tra lại nhé."

PREVIEW_CONFIRM = "Bấm «Nhập» để ghi vào hệ thống, hoặc «Hủy» để thôi."
PREVIEW_CONFIRM_UNITS = (
    "Các đơn vị chưa có ở trên sẽ được tạo mới (loại phòng/ban, thuộc xã/phường). Nếu tên viết khác "
    "với đơn vị đã có, bạn nên sửa tệp rồi gửi lại. Bấm «Nhập» để ghi, hoặc «Hủy» để thôi."
)
PREVIEW_FIX = "Bạn sửa tệp theo các lỗi trên rồi gửi lại tệp, hoặc gõ /huy để thôi."
PREVIEW_NEEDS_PLAN = "Cột «nguồn» có ô trống: bạn gõ tên kế hoạch (ví dụ: Kế hoạch số 10-KH/ĐU), mình sẽ kiểm tra lại tệp."
CONFIRM_HINT = "Tệp đã kiểm tra xong. Bấm «Nhập» để ghi, «Hủy» để thôi, hoặc gửi tệp khác để kiểm tra lại."
BUTTON_IMPORT = "✅ Nhập"
BUTTON_IMPORT_UNITS = "✅ Nhập (tạo {count} đơn vị mới)"
BUTTON_CANCEL = "✖️ Hủy"

IMPORT_CANCELLED = "Đã hủy, chưa nhập gì."
IMPORT_EXPIRED = "Phiên nhập này đã hết hạn hoặc đã xong. Gõ /nhap để bắt đầu lại."
IMPORT_FAILED = "Chưa nhập được vì dữ liệu đã thay đổi từ lúc kiểm tra:"
IMPORT_DONE_FOOTER = "Người đứng đầu các đơn vị chủ trì sẽ nhận nhắc hạn theo lịch."
TRUNCATED = "… (còn nữa; dùng lệnh cnscd tasks import --dry-run trên máy chủ để xem đầy đủ)"
