"""培训班 and the 夜校: a class is a series of `training` activities with enrolment, attendance and hours (issue 13)."""
