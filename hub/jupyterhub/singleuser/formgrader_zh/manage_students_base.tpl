{#- nbgrader's "Manage Students" pages in Chinese: title and sidebar -#}
{%- extends 'nbgrader/manage_students_base.tpl' -%}

{%- block title -%}
管理学员
{%- endblock -%}

{%- block sidebar -%}
<li role="presentation"><a href="{{ base_url }}/formgrader/manage_assignments">管理作业</a></li>
<li role="presentation"><a href="{{ base_url }}/formgrader/gradebook">人工评分</a></li>
<li role="presentation" class="active"><a href="{{ base_url }}/formgrader/manage_students">管理学员</a></li>
{%- endblock -%}
