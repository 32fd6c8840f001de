from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from .service import MAX_YEAR, MIN_YEAR


class CalendarImportForm(FlaskForm):
    year = IntegerField(
        "年份（核对用）",
        validators=[Optional(), NumberRange(MIN_YEAR, MAX_YEAR, f"年份应在{MIN_YEAR}–{MAX_YEAR}之间。")],
    )
    source = StringField("来源", validators=[Optional(), Length(max=200, message="来源最多200个字。")])
    csv_file = FileField("上传CSV文件")
    csv_text = TextAreaField("或粘贴CSV内容")
