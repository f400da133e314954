"""Every Vietnamese sentence the conversation handlers show, in one place for review."""

# ---------------------------------------------------------------- core
EMPTY_MESSAGE = "Tin nhắn trống. Bạn hãy gõ câu hỏi, ví dụ: «quên mật khẩu VNeID», hoặc gõ /trogiup."
TOO_LONG = (
    "Tin nhắn dài quá ({length} ký tự, tối đa {limit}). "
    "Bạn vui lòng viết ngắn gọn câu hỏi chính trong vài dòng nhé."
)
UNSUPPORTED = "Mình chưa đọc được loại tin nhắn này. Bạn vui lòng gõ câu hỏi bằng chữ nhé."
FILE_TOO_LARGE = "Tệp bạn gửi lớn quá nên mình chưa nhận được. Bạn gửi tệp nhỏ hơn (hoặc chụp ảnh nhẹ hơn) nhé."
FILE_FAILED = "Mình chưa tải được tệp bạn gửi. Bạn thử gửi lại sau ít phút nhé."
FILE_NOT_EXPECTED = (
    "Mình đã nhận tệp nhưng chưa biết dùng vào việc gì. Nếu là minh chứng nhiệm vụ, bạn gõ /tiendo trước; "
    "nếu là bảng nhiệm vụ, quản trị viên gõ /nhap trước rồi gửi tệp."
)
INTERNAL_ERROR = (
    "Xin lỗi, hệ thống vừa gặp lỗi khi xử lý tin nhắn của bạn. Dữ liệu đã lưu không bị ảnh hưởng. "
    "Bạn vui lòng thử lại sau ít phút; nếu vẫn lỗi, hãy báo cho quản trị viên mã lỗi: {error_id}."
)
DB_BUSY = "Hệ thống đang bận, bạn vui lòng thử lại sau ít phút. Dữ liệu đã lưu không bị ảnh hưởng."
NOT_ALLOWED = "Lệnh /{command} chỉ dành cho {audience}. Gõ /trogiup để xem các lệnh bạn dùng được."
ACTION_NOT_ALLOWED = "Thao tác này chỉ dành cho {audience}."
UNKNOWN_COMMAND = "Mình không biết lệnh /{command}. Đây là các lệnh bạn dùng được:"
STALE_BUTTON = "Nút này đã cũ hoặc không còn hiệu lực. Bạn gõ /trogiup để bắt đầu lại nhé."
CANCELLED = "Đã hủy thao tác đang làm. Bạn cần gì thêm cứ nhắn nhé."
NOTHING_TO_CANCEL = "Hiện không có thao tác nào đang làm dở."
DIALOG_EXPIRED = "Thao tác trước đã hết hạn nên mình đã hủy. Bạn bắt đầu lại nhé."

# ---------------------------------------------------------------- start / help
GREETING = {
    "citizen": (
        "Xin chào {name}! Mình là trợ lý của Tổ công nghệ số cộng đồng.\n"
        "Bạn cứ nhắn câu hỏi về ứng dụng VNeID hay Cổng Dịch vụ công, có dấu hay không dấu đều được, "
        "ví dụ: «không nhận được mã OTP», «đăng ký tạm trú online».\n"
        "Nếu mình chưa trả lời được, mình sẽ chuyển câu hỏi cho thành viên của Tổ."
    ),
    "member": "Xin chào {name}! Bạn là thành viên {unit}. Chọn việc cần làm:",
    "leader": "Xin chào {name}! Bạn là tổ trưởng {unit}. Chọn việc cần làm:",
    "head": "Xin chào {name}! Bạn là người đứng đầu {unit}. Chọn việc cần làm:",
    "admin": "Xin chào {name}! Bạn là quản trị viên {unit}. Chọn việc cần làm:",
}
NO_UNIT = "(chưa gắn đơn vị)"
HELP_HEADER = "Các lệnh bạn dùng được:"
HELP_FOOTER_CITIZEN = "Hoặc cứ gõ câu hỏi của bạn, mình sẽ tìm câu trả lời."
MENU_ASK = "❓ Hỏi đáp VNeID, dịch vụ công"
MENU_HELP = "📖 Trợ giúp"
MENU_PROGRESS = "📝 Cập nhật tiến độ nhiệm vụ"
MENU_TASKS = "📋 Nhiệm vụ của đơn vị"
MENU_OVERDUE = "⛔ Nhiệm vụ quá hạn"
MENU_UNANSWERED = "❓ Câu hỏi chưa trả lời được"
MENU_IMPORT = "📥 Nhập nhiệm vụ từ bảng tính"

# ---------------------------------------------------------------- membership
JOIN_USAGE = "Bạn gõ /thamgia kèm mã mời, ví dụ: /thamgia ABCD2345. Mã mời do quản trị viên xã/phường cấp."
JOIN_OK = "Chào mừng {name}! Bạn đã tham gia {unit} với vai trò {role}. Gõ /trogiup để xem các lệnh."
JOIN_UNKNOWN = "Mã mời «{code}» không đúng. Bạn kiểm tra lại từng ký tự (mã gồm 8 chữ và số) hoặc xin quản trị viên mã mới."
JOIN_EXPIRED = "Mã mời «{code}» đã hết hạn. Bạn xin quản trị viên cấp mã mới nhé."
JOIN_USED_UP = "Mã mời «{code}» đã được dùng hết lượt. Bạn xin quản trị viên cấp mã mới nhé."
JOIN_ALREADY = "Bạn đang là {role} của {unit}, vai trò này cao hơn mã mời nên mình giữ nguyên."

INVITE_USAGE = (
    "Cách dùng: /moi <vai trò> <mã đơn vị> [số lượt]\n"
    "Vai trò: member (thành viên), leader (tổ trưởng), head (người đứng đầu), admin.\n"
    "Ví dụ: /moi member TO-DONG 5"
)
INVITE_BAD_ROLE = "Vai trò «{role}» không đúng. Chọn một trong: member, leader, head, admin."
INVITE_BAD_UNIT = "Không tìm thấy đơn vị có mã «{code}». Các mã hiện có: {codes}."
INVITE_BAD_USES = "Số lượt dùng phải là số từ 1 đến 500."
INVITE_CREATED = (
    "Đã tạo mã mời {code} cho vai trò {role} – {unit}, dùng được {uses} lần, hết hạn ngày {expires}.\n"
    "Người được mời gõ: /thamgia {code}"
)

# ---------------------------------------------------------------- command menu descriptions
CMD = {
    "start": "Bắt đầu, xem menu",
    "trogiup": "Xem hướng dẫn và các lệnh",
    "huy": "Hủy thao tác đang làm",
    "thamgia": "Tham gia Tổ bằng mã mời",
    "moi": "Tạo mã mời thành viên",
}

# ---------------------------------------------------------------- FAQ
FAQ_UNAVAILABLE = (
    "Hiện mình chưa tra cứu được kho câu hỏi thường gặp. Bạn gõ /trogiup để xem các lệnh, "
    "hoặc liên hệ Tổ công nghệ số cộng đồng ở thôn/tổ dân phố của bạn nhé."
)
FAQ_CLARIFY = "Có phải bạn muốn hỏi:"
FAQ_NONE_OF_THESE = "Không phải các ý trên"
FAQ_FALLBACK = (
    "Xin lỗi, mình chưa tìm được câu trả lời chắc chắn cho câu hỏi này. "
    "Mình có thể chuyển câu hỏi cho Tổ công nghệ số cộng đồng để một thành viên trả lời bạn."
)
FAQ_HANDOFF_BUTTON = "📨 Gửi cho Tổ CNSCĐ"
FAQ_MORE = "Xem thêm:"
FAQ_RELATED_PREFIX = "➡️ "
FAQ_FEEDBACK_UP = "👍 Hữu ích"
FAQ_FEEDBACK_DOWN = "👎 Chưa đúng"
FAQ_THANKS_UP = "Cảm ơn bạn đã phản hồi! Chúc bạn làm thủ tục thuận lợi."
FAQ_THANKS_DOWN = (
    "Cảm ơn bạn đã cho biết. Mình sẽ ghi lại để bổ sung câu trả lời. "
    "Bạn có muốn gửi câu hỏi cho thành viên Tổ công nghệ số cộng đồng không?"
)
FAQ_UNKNOWN_TOPIC = "Chủ đề này không còn trong kho hỏi đáp. Bạn gõ lại câu hỏi giúp mình nhé."
FAQ_HANDOFF_LOGGED = (
    "Mình đã ghi lại câu hỏi để Tổ công nghệ số cộng đồng xem và bổ sung. "
    "Bạn cũng có thể đến gặp trực tiếp Tổ công nghệ số cộng đồng ở thôn/tổ dân phố của bạn."
)
FAQ_ID_WARNING = (
    "⚠️ Bạn không cần và không nên gửi số căn cước, số điện thoại hay mã OTP qua tin nhắn. "
    "Mình đã không lưu các số đó."
)
SMALLTALK = {
    "greeting": "Chào bạn! Bạn cứ nhắn câu hỏi về VNeID hoặc dịch vụ công, mình sẽ giúp. Gõ /trogiup để xem hướng dẫn.",
    "thanks": "Không có gì ạ! Bạn cần hỏi thêm gì cứ nhắn nhé.",
    "ack": "Dạ vâng. Bạn cần hỏi thêm gì cứ nhắn nhé.",
    "bye": "Chào bạn, chúc bạn một ngày tốt lành!",
}

# ---------------------------------------------------------------- knowledge base admin
KB_RELOADED = "Đã nạp lại kho hỏi đáp: {count} chủ đề."
KB_RELOAD_REFUSED = "Kho hỏi đáp mới có lỗi nên mình vẫn giữ bản cũ. Lỗi:\n{problems}"
UNANSWERED_EMPTY = "Không có câu hỏi nào chưa trả lời được trong {days} ngày qua. 🎉"
UNANSWERED_HEADER = "Câu hỏi chưa trả lời tốt trong {days} ngày qua (nhóm theo độ giống nhau):"
UNANSWERED_ITEM = "{n}. «{text}» – {count} lần – {reason}"
UNANSWERED_REASONS = {
    "fallback": "bot không tìm được câu trả lời",
    "clarify": "bot phải hỏi lại, người dân không chọn",
    "low": "trả lời với độ tin cậy thấp",
    "down": "người dân bấm 👎",
}
UNANSWERED_ADD = "➕ Thêm vào chủ đề ({n})"
UNANSWERED_IGNORE = "🙈 Bỏ qua ({n})"
UNANSWERED_HAND = "🙋 Giao thành viên ({n})"
UNANSWERED_PICK_TOPIC = "Thêm «{text}» làm câu hỏi mẫu cho chủ đề nào?"
UNANSWERED_ADDED = "Đã thêm «{text}» vào chủ đề «{title}» và nạp lại kho hỏi đáp."
UNANSWERED_ADD_FAILED = "Không thêm được câu hỏi mẫu: {problems}"
UNANSWERED_IGNORED = "Đã bỏ qua nhóm câu hỏi «{text}»; nhóm này sẽ không hiện lại."
UNANSWERED_HANDED = "Đã chuyển câu hỏi «{text}» vào hàng đợi của Tổ CNSCĐ."
UNANSWERED_GONE = "Câu hỏi này không còn trong nhật ký."
CMD.update({
    "kb_reload": "Nạp lại kho hỏi đáp",
    "chuatraloi": "Câu hỏi bot chưa trả lời được",
})
