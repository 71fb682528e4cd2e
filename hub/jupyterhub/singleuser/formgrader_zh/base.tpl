{#- nbgrader's page frame with Chinese words: the sidebar and the window title (hub/singleuser/formgrader_zh.py) -#}
{%- extends 'nbgrader/base.tpl' -%}

{%- block sidebar -%}
<li role="presentation"><a href="{{ base_url }}/formgrader/manage_assignments">管理作业</a></li>
<li role="presentation"><a href="{{ base_url }}/formgrader/gradebook">人工评分</a></li>
<li role="presentation"><a href="{{ base_url }}/formgrader/manage_students">管理学员</a></li>
{%- endblock -%}
