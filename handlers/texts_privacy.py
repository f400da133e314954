"""Vietnamese sentences of data protection: /xoadulieu, /nhatky and `cnscd backup|restore|privacy`."""

CMD = {
    "xoadulieu": "Xóa các tin nhắn, câu hỏi bạn đã gửi cho bot",
    "nhatky": "Nhật ký thay đổi (nhiệm vụ, phiên hỗ trợ, vai trò)",
}

# ---------------------------------------------------------------- /xoadulieu
ERASE_ASK = (
    "Bạn muốn xóa dữ liệu mình đã gửi cho bot? Bot sẽ:\n"
    "• xóa {questions} câu hỏi bạn đã hỏi;\n"
    "• xóa nội dung {tickets} yêu cầu hỗ trợ và {messages} tin nhắn trao đổi với Tổ "
    "(chỉ giữ lại số lượng để thống kê, không còn nội dung);\n"
    "• hủy thao tác bạn đang làm dở.\n"
    "Tên và tài khoản chat vẫn được giữ để bot nhận ra bạn. Việc xóa không hoàn tác được."
)
ERASE_ASK_EMPTY = (
    "Hiện bot không lưu câu hỏi hay yêu cầu hỗ trợ nào của bạn. "
    "Bạn vẫn muốn xóa (kể cả thao tác đang làm dở)?"
)
ERASE_YES = "🗑 Xóa"
ERASE_NO = "↩️ Hủy"
ERASE_DONE = (
    "Đã xóa theo yêu cầu của bạn:\n"
    "• {questions} câu hỏi;\n"
    "• nội dung {tickets} yêu cầu hỗ trợ và {messages} tin nhắn trao đổi với Tổ;\n"
    "• thao tác đang làm dở (nếu có).\n"
    "Từ nay bot chỉ lưu những gì bạn gửi tiếp theo. Bạn có thể gõ /xoadulieu bất cứ lúc nào."
)
ERASE_NOTHING = "Bot không còn lưu câu hỏi hay tin nhắn nào của bạn. Không có gì phải xóa."
ERASE_CANCELLED = "Đã hủy, dữ liệu của bạn được giữ nguyên."
ERASE_EXPIRED = "Nút xác nhận đã quá {minutes} phút nên không còn hiệu lực. Bạn gõ lại /xoadulieu nhé."

# ---------------------------------------------------------------- /nhatky
AUDIT_USAGE = "Cách dùng: /nhatky (20 thay đổi gần nhất) hoặc /nhatky <số nhiệm vụ>, ví dụ: /nhatky 12"
AUDIT_EMPTY = "Nhật ký chưa có thay đổi nào."
AUDIT_RECENT_HEADER = "{count} thay đổi gần nhất (giờ Việt Nam):"
AUDIT_TASK_HEADER = "Nhật ký nhiệm vụ #{id} «{title}» (giờ Việt Nam):"
AUDIT_TASK_EMPTY = "Nhiệm vụ #{id} «{title}» chưa có thay đổi nào được ghi nhật ký."
AUDIT_TASK_NOT_FOUND = "Không tìm thấy nhiệm vụ #{id}."
AUDIT_LINE = "{at} · {who} · {what}{summary}"
AUDIT_LINE_ENTITY = "{at} · {who} · {what} {entity}{summary}"
AUDIT_SYSTEM = "dòng lệnh/hệ thống"
AUDIT_UNKNOWN_PERSON = "người #{id}"
AUDIT_ACTIONS = {
    ("task", "progress"): "cập nhật tiến độ",
    ("task", "pause"): "tạm dừng nhắc",
    ("task", "deadline"): "đổi thời hạn",
    ("session", "add"): "ghi phiên hỗ trợ",
    ("session", "update"): "sửa phiên hỗ trợ",
    ("session", "delete"): "xóa phiên hỗ trợ",
    ("role", "set_role"): "đổi vai trò",
    ("privacy", "erase"): "xóa dữ liệu theo yêu cầu",
    ("privacy", "purge"): "dọn dữ liệu cũ",
}
AUDIT_ENTITIES = {
    "task": "nhiệm vụ #{id}",
    "session": "phiên #{id}",
    "role": "của {name}",
    "privacy": "của {name}",
}
# Codes that may appear in a stored summary, shown in words.
AUDIT_WORDS = {
    "day": "ngày",
    "unit_id": "thôn/tổ",
    "category": "loại việc",
    "citizens": "số người",
    "elderly": "cao tuổi",
    "disabled": "khuyết tật",
    "poor": "hộ nghèo",
    "result": "kết quả",
    "duration_minutes": "thời gian",
    "note": "ghi chú",
    "ticket_id": "yêu cầu hỗ trợ",
    "date": "ngày",
    "recurring": "thường xuyên",
    "event": "theo sự kiện",
}

# ---------------------------------------------------------------- command line
CLI_BACKUP_HELP = "sao lưu cơ sở dữ liệu (an toàn khi bot đang chạy)"
CLI_RESTORE_HELP = "khôi phục cơ sở dữ liệu SQLite từ bản sao lưu"
CLI_PRIVACY_HELP = "bảo vệ dữ liệu: dọn dữ liệu cũ"
CLI_PURGE_HELP = "xóa nhật ký câu hỏi và yêu cầu hỗ trợ đã đóng cũ hơn một khoảng thời gian"
CLI_OLDER_HELP = "khoảng thời gian: 365d (ngày), 8w (tuần), 6m (tháng = 30 ngày), 1y (năm)"
CLI_DRY_RUN_HELP = "chỉ đếm, không xóa gì"

BACKUP_DONE = "Đã sao lưu {db} vào {out} ({size}, phiên bản cấu trúc {revision})."
BACKUP_PG = (
    "Cơ sở dữ liệu là PostgreSQL: sao lưu bằng pg_dump (mật khẩu đặt trong biến PGPASSWORD hoặc tệp "
    "~/.pgpass, không ghi trên dòng lệnh):"
)
RESTORE_DONE = "Đã khôi phục {db} từ {file}."
RESTORE_KEPT = "Bản cũ được giữ ở {before}."
RESTORE_UP_TO_DATE = "Cấu trúc cơ sở dữ liệu đã ở phiên bản mới nhất ({revision}); có thể chạy bot."
RESTORE_BEHIND = (
    "Bản sao lưu có cấu trúc cũ hơn phần mềm (phiên bản {revision}, mới nhất {heads}). "
    "Hãy chạy: cnscd db upgrade"
)
RESTORE_NEWER = (
    "Bản sao lưu có cấu trúc {revision} mà phần mềm này không biết (mới nhất {heads}): "
    "có lẽ nó được tạo bằng phiên bản phần mềm mới hơn. Hãy cập nhật phần mềm trước khi chạy bot."
)
RESTORE_PG = "Cơ sở dữ liệu là PostgreSQL: khôi phục bằng pg_restore, ví dụ: {command}"

PURGE_HEADER = "Dữ liệu cũ hơn {days} ngày (trước {cutoff}):"
PURGE_LINES = (
    "  câu hỏi trong nhật ký: {questions}\n"
    "  yêu cầu hỗ trợ đã đóng: {tickets}\n"
    "  tin nhắn của các yêu cầu đó: {messages}"
)
PURGE_DRY = "Chạy thử: chưa xóa gì. Bỏ --dry-run để xóa."
PURGE_DONE = "Đã xóa."

BAD_DURATION = "Khoảng thời gian «{text}» không hợp lệ: dùng số kèm d/w/m/y, ví dụ 365d, 8w, 6m, 1y."
BACKUP_ERRORS = {
    "not_sqlite_url": "Cơ sở dữ liệu đang cấu hình ({path}) không phải SQLite.",
    "memory_db": "Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu hay khôi phục được.",
    "no_database": "Không tìm thấy tệp cơ sở dữ liệu {path}. Kiểm tra DATABASE_URL hoặc chạy cnscd db upgrade.",
    "out_is_dir": "{path} là một thư mục; hãy ghi tên tệp sao lưu, ví dụ {path}/cnscd-backup.db.",
    "out_no_parent": "Thư mục {path} không tồn tại.",
    "out_is_db": "Tệp sao lưu {path} trùng với cơ sở dữ liệu đang dùng; hãy chọn tên khác.",
    "missing": "Không tìm thấy tệp {path}.",
    "is_dir": "{path} là một thư mục, không phải tệp cơ sở dữ liệu.",
    "not_sqlite": "Tệp {path} không phải cơ sở dữ liệu SQLite hợp lệ (hoặc đã hỏng); không khôi phục gì.",
    "not_cnscd": "Tệp {path} là SQLite nhưng không phải bản sao lưu của cnscd (không có bảng alembic_version).",
    "same_file": "Tệp {path} chính là cơ sở dữ liệu đang dùng; không có gì để khôi phục.",
    "busy": "Cơ sở dữ liệu đang bận, chưa sao chép được ({detail}). Hãy thử lại, hoặc dừng bot rồi chạy lại.",
}
