module Api
  module V1
    class SchedulesController < ApplicationController
      # GET /api/v1/schedules/:date?studio=shoreditch
      def show
        date = Date.iso8601(params[:date])
        studio = Studio.find_by!(slug: params[:studio])
        classes = studio.gym_classes.on(date).includes(:instructor, :bookings).order(:starts_at)

        render json: {
          date: date.iso8601,
          studio: studio.slug,
          classes: classes.map(&:as_schedule_json)
        }
      rescue Date::Error
        render json: { error: "date must be YYYY-MM-DD" }, status: :bad_request
      end
    end
  end
end
