"""Vietnamese sentences of the assistance-session commands (/ghi, /phien, /sua, /xoa, /to)."""

CMD = {
    "ghi": "Ghi phiên hỗ trợ người dân",
    "phien": "Các phiên hỗ trợ của tôi trong tháng",
    "sua": "Sửa phiên hỗ trợ đã ghi (trong 24 giờ)",
    "xoa": "Xóa phiên hỗ trợ đã ghi (trong 24 giờ)",
    "to": "Kết quả hỗ trợ của Tổ trong tháng",
}
MENU_LOG = "🧾 Ghi phiên hỗ trợ"
MENU_MINE = "📊 Phiên hỗ trợ của tôi"

# Category codes are fixed ASCII (stored); the labels can be reworded freely.
CATEGORY_LABELS = {
    "vneid": "Kích hoạt VNeID",
    "docs": "Tích hợp giấy tờ",
    "dvc": "Nộp hồ sơ dịch vụ công",
    "payment": "Thanh toán trực tuyến",
    "skills": "Kỹ năng số",
    "safety": "An toàn thông tin",
    "other": "Khác",
}
RESULT_LABELS = {"done": "xong", "not_done": "chưa xong", "rescheduled": "hẹn lại"}
RESULT_BUTTONS = {"done": "✅ Xong", "not_done": "⏳ Chưa xong", "rescheduled": "📅 Hẹn lại"}
PRIORITY_LABELS = {"elderly": "cao tuổi", "disabled": "khuyết tật", "poor": "hộ nghèo/yếu thế"}

# ---------------------------------------------------------------- the /ghi dialog
ASK_CATEGORY = "Bạn đã hỗ trợ người dân việc gì? Chọn một mục:"
ASK_COUNT = "Có bao nhiêu người được hỗ trợ? Bấm số hoặc gõ số (ví dụ: 3)."
ASK_PLACE = "Phiên hỗ trợ ở thôn/tổ dân phố nào? Chọn hoặc gõ tên."
ASK_PLACE_UNKNOWN = (
    "Mình không tìm thấy «{name}» trong danh sách thôn/tổ dân phố. "
    "Có phải một trong các nơi dưới đây? Chọn, hoặc gõ lại tên."
)
ASK_DATE = "Phiên hỗ trợ vào ngày nào? Chọn, hoặc gõ ngày dạng 20/11 (trong vòng {days} ngày qua)."
ASK_RESULT = "Kết quả hỗ trợ thế nào?"
ASK_DURATION = "Phiên hỗ trợ mất bao lâu? Chọn, hoặc gõ ví dụ: 45p, 1 tiếng, 1h30."
ASK_PRIORITY = (
    "Trong {n} người, bao nhiêu người thuộc nhóm ưu tiên? Bấm để cộng thêm 1 người, "
    "hoặc gõ ví dụ: «1 cụ già, 1 khuyết tật».\nHiện tại: {current}."
)
ASK_NOTE = (
    "Gõ ghi chú ngắn về phiên hỗ trợ. Không ghi số căn cước, số điện thoại hay mã OTP của người dân "
    "(nếu có, mình sẽ che đi)."
)
ASK_FIELD = "Bạn muốn sửa mục nào?"

DATE_BUTTONS = {0: "Hôm nay", 1: "Hôm qua", 2: "Hôm kia"}
DURATION_BUTTONS = {15: "15 phút", 30: "30 phút", 45: "45 phút", 60: "1 tiếng", 0: "Không ghi"}
COUNT_BUTTONS = (1, 2, 3, 4, 5)
PRIORITY_BUTTONS = {"elderly": "+1 cao tuổi", "disabled": "+1 khuyết tật", "poor": "+1 hộ nghèo/yếu thế"}
PRIORITY_NONE = "Không có ai"
PRIORITY_DONE = "✅ Xong"
NOTE_NONE = "Không ghi chú"
FIELD_LABELS = {
    "d": "📅 Ngày",
    "p": "📍 Nơi",
    "c": "🗂 Nội dung",
    "n": "👥 Số người",
    "pr": "🧓 Nhóm ưu tiên",
    "r": "✅ Kết quả",
    "m": "⏱ Thời gian",
    "note": "✍️ Ghi chú",
}
BACK = "⬅️ Quay lại"
SAVE = "💾 Lưu"
EDIT = "✏️ Sửa"
CANCEL = "❌ Hủy"

SUMMARY_NEW = "🧾 Phiên hỗ trợ (chưa lưu):"
SUMMARY_EDIT = "✏️ Sửa phiên #{id} (chưa lưu):"
SUMMARY_BODY = (
    "• Ngày: {date}\n"
    "• Nơi: {place}\n"
    "• Nội dung: {category}\n"
    "• Số người được hỗ trợ: {citizens}{priority}\n"
    "• Kết quả: {result}\n"
    "• Thời gian: {duration}\n"
    "• Ghi chú: {note}"
)
SUMMARY_HINT = "Bấm Lưu nếu đúng, Sửa để đổi một mục, Hủy để bỏ. Bạn cũng có thể gõ thêm, ví dụ «5 người» hay «hôm qua»."
PRIORITY_PART = " (trong đó {parts})"
NOT_SET = "chưa chọn"
NONE = "không"
NOT_GIVEN = "không ghi"
TODAY_MARK = " (hôm nay)"
YESTERDAY_MARK = " (hôm qua)"

SAVED = (
    "✅ Đã lưu phiên #{id}: {category}, {citizens} người, ngày {date}.\n"
    "Trong 24 giờ bạn có thể sửa (/sua {id}) hoặc xóa (/xoa {id}). Xem cả tháng: /phien"
)
UPDATED = "✅ Đã cập nhật phiên #{id}: {category}, {citizens} người, ngày {date}."
CANCELLED = "Đã hủy, mình không lưu gì."
MISSING_CATEGORY = "Bạn chọn nội dung hỗ trợ trước khi lưu nhé."
MISSING_PLACE = "Bạn chọn thôn/tổ dân phố trước khi lưu nhé."
NO_DIALOG = "Phiên đang ghi đã hết hạn hoặc đã xong. Bạn gõ /ghi để ghi phiên mới nhé."
NOT_UNDERSTOOD = "Mình chưa hiểu «{text}». "
SUMMARY_NOT_UNDERSTOOD = "Mình chưa hiểu «{text}». Bấm Lưu, Sửa hoặc Hủy nhé."
NO_PLACES = (
    "Chưa có thôn/tổ dân phố nào trong hệ thống nên chưa ghi được phiên. "
    "Bạn báo quản trị viên xã/phường thêm đơn vị nhé."
)

LINE_NOT_UNDERSTOOD = (
    "Mình chưa đọc được thông tin phiên hỗ trợ trong «{text}», nên chưa lưu gì.\n"
    "Bạn ghi theo mẫu: số người, việc đã hỗ trợ, nơi, thời gian, ví dụ:\n"
    "• /ghi 3 kích hoạt VNeID thôn Đông 45p\n"
    "• /ghi hôm qua 2 người nộp hồ sơ khai sinh, 1 cụ già\n"
    "Hoặc gõ /ghi (không kèm gì) để mình hỏi từng mục."
)
NOT_SAVED = "Mình chưa lưu gì."
PROBLEMS = {
    "bad_date": "Ngày «{text}» không có thật. Bạn gõ lại dạng ngày/tháng, ví dụ 20/11 hoặc 20/11/2025.",
    "future_date": "Ngày {text} chưa tới nên chưa ghi phiên cho ngày đó được. Bạn kiểm tra lại ngày nhé.",
    "old_date": (
        "Ngày {text} đã cách đây hơn {value} ngày: bot chỉ nhận phiên hỗ trợ trong vòng {value} ngày "
        "để số liệu báo cáo tháng không bị thay đổi về sau. Nếu cần bổ sung, bạn báo tổ trưởng nhé."
    ),
    "bad_count": "Số người «{text}» không hợp lệ: cần một số từ 1 trở lên.",
    "too_many": (
        "Số người «{text}» lớn quá (tối đa {value} người một phiên). "
        "Nếu hỗ trợ một lớp đông người, bạn ghi thành nhiều phiên nhé."
    ),
    "bad_duration": "Thời gian «{text}» không hợp lý: cần từ 1 phút đến {value} phút (10 giờ).",
    "priority_exceeds": (
        "Số người thuộc nhóm ưu tiên ({text}) nhiều hơn tổng số người được hỗ trợ ({value}). "
        "Bạn kiểm tra lại nhé."
    ),
}

# ---------------------------------------------------------------- /phien
MINE_EMPTY = "Tháng {month} bạn chưa ghi phiên hỗ trợ nào. Gõ /ghi để ghi phiên đầu tiên."
MINE_HEADER = "📊 Phiên hỗ trợ của bạn tháng {month}:"
MINE_ITEM = "#{id} · {date} · {place} · {category} · {citizens} người · {result}{duration}"
MINE_MORE = "… và {n} phiên khác."
MINE_TOTAL = "Tổng: {sessions} phiên, {citizens} lượt người được hỗ trợ{priority}{duration}."
TOTAL_PRIORITY = " (ưu tiên: {parts})"
TOTAL_DURATION = ", {duration}"
MINE_EDIT_HINT = "Sửa hoặc xóa phiên ghi trong 24 giờ qua: /sua, /xoa."

# ---------------------------------------------------------------- /sua and /xoa
PICK_EDIT = "Chọn phiên muốn sửa (chỉ các phiên bạn ghi trong 24 giờ qua):"
PICK_DELETE = "Chọn phiên muốn xóa (chỉ các phiên bạn ghi trong 24 giờ qua):"
PICK_ITEM = "#{id} {date} {category} · {citizens} người"
NONE_RECENT = "Bạn không có phiên nào ghi trong 24 giờ qua để sửa hay xóa. Xem các phiên tháng này: /phien"
BAD_ID = "Số phiên «{text}» không đúng. Gõ /{command} để chọn trong danh sách."
NOT_FOUND = "Không tìm thấy phiên #{id} (có thể đã bị xóa)."
NOT_YOURS = "Phiên #{id} do người khác ghi. Bạn chỉ sửa hoặc xóa được phiên do chính mình ghi."
TOO_LATE = (
    "Phiên #{id} đã ghi hơn 24 giờ nên không sửa hay xóa được nữa (để số liệu báo cáo ổn định). "
    "Nếu có sai sót, bạn báo tổ trưởng nhé."
)
CONFIRM_DELETE = "Xóa phiên #{id}: {date} · {place} · {category} · {citizens} người?"
DELETE_YES = "🗑 Xóa phiên này"
DELETE_NO = "Không xóa"
DELETED = "🗑 Đã xóa phiên #{id}. Phiên vẫn được lưu vết trong hệ thống nhưng không tính vào báo cáo."
NOT_DELETED = "Đã giữ nguyên phiên #{id}."

# ---------------------------------------------------------------- /to
TEAM_NO_TEAM = (
    "Tài khoản của bạn chưa gắn với Tổ công nghệ số cộng đồng nào. "
    "Người đứng đầu đơn vị và quản trị viên gõ kèm mã Tổ, ví dụ: /to TO-DONG"
)
TEAM_UNKNOWN = "Không tìm thấy Tổ có mã «{code}». Các mã Tổ: {codes}."
TEAM_OTHER = "Bạn chỉ xem được kết quả của Tổ mình."
TEAM_HEADER = "👥 {team} – tháng {month}:"
TEAM_ITEM = "• {name}: {sessions} phiên, {citizens} người{priority}"
TEAM_ITEM_EMPTY = "• {name}: chưa có phiên nào"
TEAM_TOTAL = "Cả Tổ: {sessions} phiên, {citizens} lượt người được hỗ trợ{priority}."
TEAM_NO_MEMBERS = "Tổ chưa có thành viên nào."

DURATION_HOURS = "{h} giờ"
DURATION_HOURS_MINUTES = "{h} giờ {m} phút"
DURATION_MINUTES = "{m} phút"
