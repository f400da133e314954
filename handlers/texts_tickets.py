"""Vietnamese texts of the hand-off queue: citizens asking for a person, members answering them."""

CONSENT = (
    "Thông tin bạn gửi chỉ dùng để Tổ CNSCĐ liên hệ hỗ trợ bạn; "
    "đừng gửi số căn cước, mật khẩu hay mã OTP."
)

# ---------------------------------------------------------------- the citizen's hand-off dialog
ASK_PLACE = "{consent}\nBạn ở thôn/tổ dân phố nào? Bạn chọn bên dưới hoặc gõ tên thôn:"
PLACE_UNKNOWN_BUTTON = "Không rõ"
PLACE_NOT_FOUND = (
    "Mình chưa nhận ra thôn/tổ dân phố «{text}». Bạn chọn một mục bên dưới, hoặc bấm «Không rõ»."
)
ASK_TEXT = (
    "Bạn mô tả ngắn việc cần hỗ trợ, ví dụ: «kích hoạt VNeID cho mẹ, chiều thứ Bảy nhà có người»."
)
ASK_TEXT_PREFILLED = (
    "Câu hỏi bạn đã gửi:\n«{text}»\n"
    "Bấm «Giữ nguyên» để gửi câu hỏi này cho Tổ, hoặc gõ lại mô tả ngắn việc bạn cần hỗ trợ."
)
KEEP_BUTTON = "✅ Giữ nguyên câu hỏi này"
CANCEL_BUTTON = "✖️ Thôi, không gửi"
HANDOFF_CANCELLED = "Mình chưa gửi gì cho Tổ. Bạn cần hỏi gì cứ nhắn nhé."
TEXT_TOO_SHORT = "Bạn viết thêm vài chữ để thành viên Tổ hiểu việc bạn cần giúp nhé."
CREATED = (
    "✅ Đã gửi yêu cầu #{id} cho Tổ công nghệ số cộng đồng{place}. Một thành viên của Tổ sẽ trả lời bạn "
    "ngay trong cuộc trò chuyện này. Trong lúc chờ, bạn vẫn có thể hỏi mình các câu hỏi thường gặp."
)
CREATED_PLACE = " ({place})"
OFF_HOURS = "🌙 Bây giờ là ngoài giờ làm việc, nên thành viên Tổ sẽ trả lời bạn từ khoảng {when}."
ALREADY_ACTIVE = (
    "Bạn đang có yêu cầu #{id} chờ Tổ CNSCĐ trả lời, mình không tạo thêm yêu cầu mới. "
    "Khi thành viên Tổ đã nhận, bạn nhắn gì ở đây họ cũng sẽ nhận được."
)
ADDED_TO_ACTIVE = "Bạn đang có yêu cầu #{id} với Tổ CNSCĐ; mình đã thêm câu hỏi này vào yêu cầu đó."
MASKED_NOTE = "Mình đã che số giấy tờ, số điện thoại hoặc mã trong tin trước khi chuyển."
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
WHEN = "{time} {weekday}, {date}"

# ---------------------------------------------------------------- notifications to the team
PLACE_OF = "ở {name}"
PLACE_UNKNOWN = "(chưa rõ thôn/tổ dân phố)"
NEW_TICKET = (
    "📨 Yêu cầu hỗ trợ #{id} của người dân {place}:\n«{text}»\n"
    "Ai nhận trước bấm «Nhận» (hoặc gõ /nhan {id}) rồi trả lời ngay trong chat với bot."
)
REQUEUED_TICKET = (
    "🔁 Yêu cầu #{id} của người dân {place} quay lại hàng đợi, cần người nhận:\n«{text}»\n"
    "Bấm «Nhận» (hoặc gõ /nhan {id}) để trả lời."
)
CLAIM_BUTTON = "🙋 Nhận"
ALERT = (
    "⚠️ Yêu cầu #{id} của người dân {place} đã chờ hơn {hours} giờ làm việc mà chưa ai nhận:\n«{text}»\n"
    "Tổ trưởng nhắc thành viên nhận, hoặc tự nhận bằng nút bên dưới (/nhan {id})."
)

# ---------------------------------------------------------------- claiming
CLAIMED = (
    "✅ Bạn đã nhận yêu cầu #{id} {place}:\n«{text}»{extra}\n"
    "Từ giờ, tin bạn nhắn cho bot (không bắt đầu bằng /) sẽ được chuyển cho người dân, ký tên «{first}». "
    "Lúc khác, bạn dùng: /traloi {id} <nội dung>. Xong việc: /dong {id}."
)
CLAIMED_NO_DIALOG = (
    "✅ Bạn đã nhận yêu cầu #{id} {place}:\n«{text}»{extra}\n"
    "Trả lời người dân bằng: /traloi {id} <nội dung>. Xong việc: /dong {id}."
)
CLAIMED_EXTRA = "\nNgười dân nhắn thêm:\n{lines}"
CLAIMED_IN_GROUP = (
    "✅ {first} đã nhận yêu cầu #{id}. {first} trả lời người dân trong chat riêng với bot: "
    "/traloi {id} <nội dung>."
)
CITIZEN_CLAIMED = (
    "👋 {first} của Tổ công nghệ số cộng đồng đã nhận yêu cầu #{id} của bạn và sẽ trả lời ngay tại đây. "
    "Bạn nhắn gì ở đây, {first} sẽ nhận được."
)
ALREADY_TAKEN = (
    "Cảm ơn bạn! Yêu cầu #{id} đã có người nhận rồi. Gõ /hangdoi để xem các yêu cầu khác đang chờ."
)
ALREADY_YOURS = "Bạn đang giữ yêu cầu #{id} rồi. Trả lời: /traloi {id} <nội dung>; xong việc: /dong {id}."
TICKET_CLOSED = "Yêu cầu #{id} đã đóng."
NOT_FOUND = "Không tìm thấy yêu cầu #{id}. Gõ /hangdoi để xem các yêu cầu đang chờ."
CLAIM_NOT_ALLOWED = "Chỉ thành viên Tổ công nghệ số cộng đồng mới nhận được yêu cầu của người dân."
CLAIM_USAGE = "Cách dùng: /nhan <số yêu cầu>, ví dụ /nhan 12. Gõ /hangdoi để xem các yêu cầu đang chờ."
CLOSE_BUTTON = "✅ Đóng yêu cầu"
DROP_BUTTON = "↩️ Trả lại hàng đợi"
REPLY_BUTTON = "✍️ Trả lời"

# ---------------------------------------------------------------- relaying
RELAY_TO_CITIZEN = "👤 {first} (Tổ CNSCĐ): {text}"
RELAY_TO_MEMBER = "💬 Người dân (yêu cầu #{id}): {text}\nTrả lời: /traloi {id} <nội dung>"
SENT_TO_CITIZEN = "✉️ Đã chuyển cho người dân (yêu cầu #{id})."
SENT_TO_MEMBER = "✉️ Đã chuyển tin của bạn cho {first} (Tổ CNSCĐ)."
NOT_OWNER = (
    "Yêu cầu #{id} không do bạn giữ nên bạn không trả lời hay đóng được. "
    "Gõ /hangdoi để xem các yêu cầu đang chờ."
)
CITIZEN_GONE = "Không còn liên lạc được người dân của yêu cầu #{id}. Bạn có thể đóng yêu cầu: /dong {id}."
REPLY_USAGE = (
    "Cách dùng: /traloi <số yêu cầu> <nội dung>, ví dụ: /traloi 12 Chiều nay 3 giờ em qua nhà bác nhé."
)
REPLY_DIALOG_OPEN = (
    "✍️ Bạn gõ nội dung trả lời cho yêu cầu #{id}; mỗi tin sẽ được chuyển cho người dân. Gõ /huy để dừng."
)
REPLY_DIALOG_GROUP = "Trong nhóm, bạn dùng /traloi {id} <nội dung>, hoặc nhắn riêng cho bot."
REPLY_LOST = "Yêu cầu #{id} không còn do bạn giữ nên tin này chưa được gửi."
BAD_ID = "«{text}» không phải số yêu cầu. {usage}"

# ---------------------------------------------------------------- queue
QUEUE_EMPTY = "Không có yêu cầu nào của người dân đang chờ người nhận. 🎉"
QUEUE_HEADER = "📋 Yêu cầu của người dân đang chờ người nhận:"
QUEUE_ITEM = "#{id} · {place} · chờ {waited}\n   «{text}»"
QUEUE_MORE = "… và {n} yêu cầu khác."
QUEUE_MINE_HEADER = "🙋 Yêu cầu bạn đang giữ:"
QUEUE_MINE_ITEM = "#{id} · {place}\n   «{text}»"
CLAIM_N = "🙋 Nhận #{id}"
REPLY_N = "✍️ Trả lời #{id}"
WAITED_MINUTES = "{n} phút"
WAITED_HOURS = "{n} giờ"
WAITED_DAYS = "{n} ngày"

# ---------------------------------------------------------------- returning to the queue
DROPPED = "Đã trả yêu cầu #{id} về hàng đợi để thành viên khác nhận."
CITIZEN_REQUEUED = (
    "Thành viên Tổ nhận yêu cầu #{id} của bạn tạm thời chưa trả lời được, nên mình đã chuyển yêu cầu "
    "cho thành viên khác. Bạn chờ thêm một chút nhé."
)
OWNER_TIMED_OUT = (
    "⏰ Yêu cầu #{id} đã về lại hàng đợi vì {hours} giờ qua bạn chưa trả lời người dân. "
    "Nếu vẫn muốn hỗ trợ, bạn gõ /nhan {id} khi chưa có ai nhận."
)

# ---------------------------------------------------------------- closing, rating, logging
CLOSE_USAGE = "Cách dùng: /dong <số yêu cầu>, ví dụ /dong 12."
CLOSE_NOT_ALLOWED = "Chỉ người đã nhận yêu cầu #{id} hoặc quản trị viên mới đóng được yêu cầu này."
ALREADY_CLOSED = "Yêu cầu #{id} đã đóng từ trước."
CLOSED_OK = (
    "✅ Đã đóng yêu cầu #{id} và mời người dân chấm điểm. "
    "Bạn có muốn ghi phiên hỗ trợ cho yêu cầu này không?"
)
LOG_BUTTON = "📝 Ghi phiên hỗ trợ"
CITIZEN_CLOSED = (
    "✅ Tổ CNSCĐ đã hoàn tất yêu cầu #{id} của bạn. Bạn chấm điểm sự hỗ trợ từ 1 (chưa hài lòng) "
    "đến 5 (rất hài lòng) nhé: bấm một nút hoặc gõ một số từ 1 đến 5."
)
RATING_LABELS = {1: "1 ⭐", 2: "2 ⭐", 3: "3 ⭐", 4: "4 ⭐", 5: "5 ⭐"}
RATE_THANKS = "Cảm ơn bạn đã chấm {n}/5! Bạn cần hỏi gì thêm cứ nhắn nhé."
RATE_NOT_ALLOWED = "Chỉ người gửi yêu cầu mới chấm điểm được, mỗi yêu cầu một lần."
LOG_NOT_ALLOWED = "Chỉ người đã nhận hoặc đã đóng yêu cầu #{id} mới ghi phiên hỗ trợ cho nó được."
LOG_NOT_CLOSED = "Bạn đóng yêu cầu #{id} trước (/dong {id}) rồi ghi phiên hỗ trợ nhé."
ALREADY_LOGGED = "Yêu cầu #{id} đã được ghi thành phiên hỗ trợ #{sid}. Sửa trong 24 giờ: /sua {sid}."
LOGGED = (
    "📝 Đã ghi phiên hỗ trợ #{sid}: {category}, 1 người, {place}, ngày {date} (yêu cầu #{id}). "
    "Sửa trong 24 giờ: /sua {sid}."
)
SESSION_NOTE = "Yêu cầu #{id}: {text}"
NO_PLACE = "chưa rõ thôn"

# ---------------------------------------------------------------- admin hand-off from /chuatraloi
CITIZEN_ADMIN_HANDED = (
    "📨 Câu hỏi «{text}» của bạn đã được chuyển cho Tổ công nghệ số cộng đồng (yêu cầu #{id}). "
    "Thành viên Tổ sẽ trả lời bạn ngay trong cuộc trò chuyện này."
)
ADMIN_NO_CITIZEN = "Không còn liên lạc được người đã hỏi câu này nên chưa tạo được yêu cầu."
ADMIN_ACTIVE = "Người hỏi câu này đang có yêu cầu #{id} chưa xong; mình đã thêm câu hỏi vào yêu cầu đó."

# ---------------------------------------------------------------- team group chats
GROUP_ONLY = (
    "Lệnh /nhom phải gõ trong nhóm chat của Tổ: thêm bot vào nhóm, rồi tổ trưởng gõ /nhom ngay trong nhóm."
)
GROUP_NO_TEAM = (
    "Bạn chưa thuộc Tổ CNSCĐ nào nên chưa liên kết được nhóm. "
    "Người đứng đầu đơn vị hoặc quản trị viên có thể gõ /nhom <mã tổ>."
)
GROUP_OTHER_TEAM = "Bạn chỉ liên kết được nhóm với Tổ của mình."
GROUP_UNKNOWN_TEAM = "Không tìm thấy Tổ CNSCĐ có mã «{code}». Các mã hiện có: {codes}."
GROUP_LINKED = (
    "✅ Đã liên kết nhóm này với {unit}. Từ giờ yêu cầu hỗ trợ của người dân {place} được gửi vào nhóm; "
    "ai nhận trước bấm «Nhận». Hủy liên kết: /nhom huy."
)
GROUP_UNLINKED = "Đã hủy liên kết nhóm này với {unit}. Yêu cầu mới sẽ được gửi riêng cho từng thành viên."
GROUP_NOT_LINKED = "Nhóm này chưa liên kết với Tổ nào."
GROUP_UNLINK_NOT_ALLOWED = "Chỉ tổ trưởng của {unit}, người đứng đầu đơn vị hoặc quản trị viên mới hủy được liên kết."

NONE = "không có"
CMD = {
    "hotro": "Gửi yêu cầu hỗ trợ cho Tổ CNSCĐ",
    "hangdoi": "Yêu cầu của người dân đang chờ",
    "nhan": "Nhận một yêu cầu của người dân",
    "traloi": "Trả lời người dân: /traloi <số> <nội dung>",
    "dong": "Đóng yêu cầu đã xong: /dong <số>",
    "nhom": "Liên kết nhóm chat với Tổ (gõ trong nhóm)",
}
MENU_QUEUE = "📨 Yêu cầu của người dân"
