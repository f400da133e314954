"""Vietnamese sentences of the task commands (/nhiemvu, /quahan, /tatnhac, /tiendo)."""

CMD = {
    "nhiemvu": "Nhiệm vụ của đơn vị, quá hạn trước",
    "quahan": "Nhiệm vụ quá hạn",
    "tatnhac": "Tạm dừng nhắc một nhiệm vụ",
    "tiendo": "Cập nhật tiến độ nhiệm vụ",
}
NO_UNIT = "Tài khoản của bạn chưa gắn với đơn vị nào. Bạn liên hệ quản trị viên xã/phường nhé."
NO_TASKS = "Đơn vị của bạn hiện không có nhiệm vụ nào đang mở. 🎉"
NO_OVERDUE = "Không có nhiệm vụ nào quá hạn. 🎉"
LIST_HEADER = "Nhiệm vụ của {unit} ({count}):"
LATE_HEADER = "Nhiệm vụ quá hạn ({count}):"
ITEM = "#{id} {title}\n   {deadline} · tiến độ {progress}% · {role}{status}\n   Nhắc tiếp: {next}"
MORE = "… và {n} nhiệm vụ khác."
ROLE_LEAD = "chủ trì"
ROLE_COORD = "phối hợp"
STATUS_BLOCKED = " · ⚠️ vướng mắc"
NEXT_NONE = "không còn lịch nhắc"
NEXT_LEAD_ONLY = "đơn vị chủ trì nhận nhắc"
NEXT_PAUSED = "tạm dừng đến {date}"
DEADLINE_DATE = "hạn {date} ({when})"
DEADLINE_RECURRING = "thường xuyên, hằng {every}"
DEADLINE_RECURRING_UNTIL = "thường xuyên, hằng {every}, đến {date}"
DEADLINE_EVENT = "theo sự kiện: {phrase}"
EVERY = {"month": "tháng", "quarter": "quý"}
WHEN_TODAY = "hôm nay"
WHEN_LEFT = "còn {n} ngày"
WHEN_LATE = "trễ {n} ngày"

PAUSE_USAGE = (
    "Cách dùng: /tatnhac <số nhiệm vụ> <số ngày> <lý do>\n"
    "Ví dụ: /tatnhac 12 7 chờ hướng dẫn của cấp trên"
)
PAUSE_BAD_DAYS = "Số ngày tạm dừng phải từ 1 đến 90."
PAUSE_NO_REASON = "Bạn ghi thêm lý do tạm dừng nhắc để lưu hồ sơ nhé."
PAUSE_OK = "Đã tạm dừng nhắc nhiệm vụ #{id} đến hết ngày {date}. Lý do: {reason}"
TASK_NOT_FOUND = "Không tìm thấy nhiệm vụ #{id}."
TASK_NOT_YOURS = (
    "Nhiệm vụ #{id} không thuộc đơn vị chủ trì hoặc phối hợp của bạn, nên bạn không cập nhật được. "
    "Chỉ thành viên, tổ trưởng và người đứng đầu các đơn vị đó mới cập nhật được."
)
SNOOZED = "Mình sẽ nhắc lại anh/chị vào sáng ngày làm việc tiếp theo."
SNOOZE_NOTHING = "Hiện không có nhiệm vụ nào cần nhắc lại."

PROGRESS_PICK_TASK = "Chọn nhiệm vụ cần cập nhật tiến độ:"
PROGRESS_NO_TASKS = "Đơn vị của bạn không có nhiệm vụ nào đang mở để cập nhật."
PROGRESS_ASK = "Nhiệm vụ #{id}: {title}\nTiến độ hiện tại {progress}%. Gõ tiến độ mới (0–100) hoặc chọn:"
PROGRESS_BAD = "Tiến độ phải là số từ 0 đến 100, ví dụ 60 hoặc 60%. Bạn gõ lại nhé."
PROGRESS_ASK_NOTE = "Ghi chú ngắn về kết quả hoặc vướng mắc (hoặc bấm Bỏ qua):"
PROGRESS_ASK_EVIDENCE = "Gửi ảnh hoặc tài liệu minh chứng, hoặc dán đường link (hoặc bấm Bỏ qua):"
PROGRESS_SAVED = "Đã lưu tiến độ nhiệm vụ #{id}: {progress}% – {status}."
PROGRESS_CLOSED = "Nhiệm vụ #{id} đã hoàn thành và sẽ không còn được nhắc. Cảm ơn anh/chị!"
PROGRESS_BLOCKED_SENT = "Đã báo vướng mắc cho quản trị viên xã/phường."
PROGRESS_USAGE = "Cập nhật nhanh: /tiendo <số nhiệm vụ> <tiến độ>% <ghi chú>, ví dụ: /tiendo 12 60% đã rà soát 5 thủ tục"
PROGRESS_FILE_TOO_LARGE = "Tệp quá lớn nên mình chưa nhận được. Bạn gửi tệp nhỏ hơn hoặc dán đường link nhé."
PROGRESS_FILE_FAILED = "Mình chưa tải được tệp. Bạn thử gửi lại hoặc dán đường link nhé."
PROGRESS_EVIDENCE_SAVED = "Đã lưu minh chứng."
BLOCKED_ALERT = "⚠️ Nhiệm vụ #{id} «{title}» gặp vướng mắc ({who}, {unit}):\n{note}"
SKIP = "Bỏ qua"
STATUS_NAMES = {
    "not_started": "chưa bắt đầu",
    "in_progress": "đang làm",
    "blocked": "vướng mắc",
    "done": "hoàn thành",
}
STATUS_BUTTONS = [("▶️ Đang làm", "in_progress"), ("⚠️ Vướng mắc", "blocked"), ("✅ Hoàn thành", "done")]
